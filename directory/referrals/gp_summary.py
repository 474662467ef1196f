"""Telling the GP: the SNOMED CT codes to copy into the GP record, and a printable summary
for the GP following the PRSB social prescribing standard's message back (reason for
referral, what matters, support offered, referrals and their outcomes, wellbeing change).

The codes, their terms, the headings and where each was checked are data: gp_record.yaml.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from sqlmodel import Session, col, select

from directory import clock
from directory.catalogue import needs
from directory.models import Case, Referral, ReferralKind, ReferralStatusChange
from directory.referrals import plans, wellbeing
from directory.referrals.status import DECLINE_REASONS, STEPS
from directory.referrals.stepping_up import URGENCIES

GP_RECORD_FILE = Path(__file__).with_name("gp_record.yaml")


@functools.cache  # part of the installed code: it changes only with a new release
def gp_record() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(GP_RECORD_FILE.read_text(encoding="utf-8"))
    return data


@dataclass(frozen=True)
class Code:
    key: str  # "referred", "declined"
    code: str
    term: str
    when: str


def codes() -> list[Code]:
    """The SNOMED CT codes the GP record needs, each with its term and when to use it."""
    found = gp_record()["codes"]
    return [
        Code(key, str(found[key]["code"]), found[key]["term"], found[key]["when"])
        for key in ("referred", "declined")
    ]


@dataclass(frozen=True)
class ReferralOutcome:
    service: str
    status: str  # the status's label: "Accepted", "Declined", ...
    reason: str  # why it was declined or cancelled, if it was
    since: datetime | None
    step_up: StepUp | None = None  # for a step-up: to whom, how urgent, why


@dataclass(frozen=True)
class StepUp:
    urgency: str  # "Routine", "Urgent"
    why: str  # the link worker's reason
    made: datetime


@dataclass(frozen=True)
class GpSummary:
    case: Case
    headings: dict[str, str]
    reasons: list[str]  # the needs, in the vocabulary's words
    support: list[plans.PlanItem]
    referrals: list[ReferralOutcome]  # to community services
    step_ups: list[ReferralOutcome]  # back to the GP, the MHP or a specialist service
    wellbeing: list[wellbeing.Progress]
    link_worker: plans.LinkWorker
    made_on: date
    codes: list[Code]
    standard: str


def _outcomes(session: Session, case: Case) -> list[ReferralOutcome]:
    referrals = session.exec(
        select(Referral).where(Referral.case_id == case.id).order_by(col(Referral.created_at))
    ).all()
    found = []
    for referral in referrals:
        last = session.exec(
            select(ReferralStatusChange)
            .where(ReferralStatusChange.referral_id == referral.id)
            .order_by(col(ReferralStatusChange.at).desc())
        ).first()
        reason = ""
        if last is not None and last.status is referral.status:
            coded = DECLINE_REASONS.get(last.reason_code, "") if last.reason_code != "other" else ""
            reason = "; ".join(part for part in (coded, last.reason) if part)
        step_up = None
        if referral.kind is ReferralKind.STEP_UP:
            urgency = URGENCIES.get(referral.urgency, referral.urgency)
            step_up = StepUp(urgency, referral.reason, referral.created_at)
        found.append(
            ReferralOutcome(
                referral.service_name or "A service",
                STEPS[referral.status].label,
                reason,
                last.at if last is not None else None,
                step_up,
            )
        )
    return found


def summary_for(session: Session, case: Case) -> GpSummary:
    """What the GP is told about the case, under the standard's headings."""
    labels = needs.current().labels
    plan = plans.plan_for(session, case)
    data = gp_record()["summary"]
    outcomes = _outcomes(session, case)
    return GpSummary(
        case=case,
        headings=dict(data["headings"]),
        reasons=[labels.get(code, code.replace("_", " ")) for code in case.needs],
        support=plan.items,
        referrals=[o for o in outcomes if o.step_up is None],
        step_ups=[o for o in outcomes if o.step_up is not None],
        wellbeing=[p for p in wellbeing.progress_of_case(session, case) if p.records],
        link_worker=plan.link_worker,
        made_on=clock.today(),
        codes=codes(),
        standard=data["standard"],
    )
