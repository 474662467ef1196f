"""A referral in FHIR R4: a ServiceRequest (SNOMED CT 871731000000106, "Referral to social
prescribing service") and a Task whose status follows the referral's (status.py's one
table), in a Bundle of type collection. The person is a reference by the case's local id:
no name, no NHS number, no address."""

from __future__ import annotations

import uuid
from typing import Any

from directory.models import Case, Referral, ReferralKind, ReferralStatus, ReferralStatusChange
from directory.referrals import status as steps

SNOMED = "http://snomed.info/sct"
SOCIAL_PRESCRIBING_REFERRAL = ("871731000000106", "Referral to social prescribing service")

# ServiceRequest.status: the request stands until the referral ends
_REQUEST_STATUS = {
    ReferralStatus.COMPLETED: "completed",
    ReferralStatus.CANCELLED: "revoked",
    ReferralStatus.DECLINED: "revoked",
}


def _time(value: Any) -> str:
    return value.isoformat(timespec="seconds")


def service_request(case: Case, referral: Referral) -> dict[str, Any]:
    code, display = SOCIAL_PRESCRIBING_REFERRAL
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": str(referral.id),
        "status": _REQUEST_STATUS.get(referral.status, "active"),
        "intent": "order",
        "category": [{"text": "Social prescribing"}],
        "code": {"coding": [{"system": SNOMED, "code": code, "display": display}]},
        "subject": {"reference": f"Patient/{case.id}", "type": "Patient"},
        "authoredOn": _time(referral.created_at),
        "performer": [
            {
                "reference": f"HealthcareService/{referral.service_id}",
                "display": referral.service_name,
            }
            if referral.service_id
            else {"display": referral.service_name}
        ],
    }
    if referral.kind is ReferralKind.STEP_UP:
        # not a referral to social prescribing: the person is stepped up from it, with the
        # link worker's urgency (FHIR's priority has the same two words) and reason
        resource["category"] = [{"text": "Step-up from social prescribing"}]
        resource["code"] = {"text": f"Step-up to {referral.service_name}"}
        if referral.urgency in ("routine", "urgent"):
            resource["priority"] = referral.urgency
        if referral.reason:
            resource["reasonCode"] = [{"text": referral.reason}]
    if "note" in referral.shared and referral.note and case.consent_to_share:
        resource["note"] = [{"text": referral.note}]
    return resource


def task_id(referral: Referral) -> uuid.UUID:
    """The Task's id: the same for the same referral, every time."""
    return uuid.uuid5(referral.id, "task")


def task(case: Case, referral: Referral, history: list[ReferralStatusChange]) -> dict[str, Any]:
    step = steps.STEPS[referral.status]
    resource: dict[str, Any] = {
        "resourceType": "Task",
        "id": str(task_id(referral)),
        "status": steps.fhir_task_status(referral.status),
        "businessStatus": {"text": step.label},
        "intent": "order",
        "focus": {"reference": f"ServiceRequest/{referral.id}"},
        "for": {"reference": f"Patient/{case.id}", "type": "Patient"},
        "authoredOn": _time(referral.created_at),
        "lastModified": _time(referral.updated_at),
    }
    if referral.organization_id:
        resource["owner"] = {
            "reference": f"Organization/{referral.organization_id}",
            "type": "Organization",
        }
    latest = history[-1] if history else None
    if latest is not None and (latest.reason or latest.reason_code):
        words = latest.reason or steps.DECLINE_REASONS.get(latest.reason_code, "")
        resource["statusReason"] = {"text": words}
    if referral.follow_up_on:
        resource["restriction"] = {"period": {"end": referral.follow_up_on.isoformat()}}
    return resource


def bundle(case: Case, referral: Referral, history: list[ReferralStatusChange]) -> dict[str, Any]:
    """The referral as a FHIR R4 Bundle (collection) of its ServiceRequest and Task."""
    resources = [service_request(case, referral), task(case, referral, history)]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": _time(referral.updated_at),
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources],
    }
