"""A referral's status flow: the one table of which step may follow which, who may take it,
whether it needs a reason, and what it is in FHIR (`Task.status`).

    sent -> received -> accepted | declined (reason)
    accepted -> attended | did_not_attend
    did_not_attend -> attended (came later)
    attended -> completed
    any step before an end -> cancelled (reason)

`declined`, `completed` and `cancelled` are ends. The provider answers (received, accepted,
declined, attended, did not attend); the link worker may record any step, for themselves,
for the provider (who told them by phone) or for the person. Pure: no database, no Flask.
"""

from __future__ import annotations

from dataclasses import dataclass

from directory.models.cases import ReferralStatus as S
from directory.models.cases import StatusSetBy


@dataclass(frozen=True)
class Step:
    status: S
    follows: frozenset[S]  # the statuses it may follow
    label: str  # in the users' words
    fhir_task_status: str  # FHIR R4 Task.status
    needs_reason: bool = False
    provider_may_set: bool = False
    by_signed_link: bool = False  # offered on the provider's signed link (no sign-in)


_BEFORE_END = frozenset({S.SENT, S.RECEIVED, S.ACCEPTED, S.DID_NOT_ATTEND, S.ATTENDED})

STEPS: dict[S, Step] = {
    step.status: step
    for step in (
        Step(S.SENT, frozenset(), "Sent", "requested"),
        Step(S.RECEIVED, frozenset({S.SENT}), "Received", "received", provider_may_set=True),
        Step(
            S.ACCEPTED,
            frozenset({S.SENT, S.RECEIVED}),
            "Accepted",
            "accepted",
            provider_may_set=True,
            by_signed_link=True,
        ),
        Step(
            S.DECLINED,
            frozenset({S.SENT, S.RECEIVED}),
            "Declined",
            "rejected",
            needs_reason=True,
            provider_may_set=True,
            by_signed_link=True,
        ),
        Step(
            S.ATTENDED,
            frozenset({S.ACCEPTED, S.DID_NOT_ATTEND}),
            "Attended",
            "in-progress",
            provider_may_set=True,
            by_signed_link=True,
        ),
        Step(
            S.DID_NOT_ATTEND,
            frozenset({S.ACCEPTED}),
            "Did not attend",
            "on-hold",
            provider_may_set=True,
        ),
        Step(S.COMPLETED, frozenset({S.ATTENDED}), "Completed", "completed"),
        Step(S.CANCELLED, _BEFORE_END, "Cancelled", "cancelled", needs_reason=True),
    )
}

ENDS = frozenset({S.DECLINED, S.COMPLETED, S.CANCELLED})

# Why a provider declines: code -> words. "other" asks for the reason in words.
DECLINE_REASONS: dict[str, str] = {
    "not_eligible": "Not eligible",
    "no_capacity": "No capacity",
    "could_not_contact": "Could not contact them",
    "other": "Other",
}


class TransitionError(ValueError):
    """A step that cannot follow the referral's status, or that this person may not take;
    `str(error)` says why in words a link worker or provider can act on."""


def next_steps(current: S, by: StatusSetBy) -> list[S]:
    """The statuses that may follow `current`, for whoever is setting it, in flow order."""
    return [
        step.status
        for step in STEPS.values()
        if current in step.follows and (by is not StatusSetBy.PROVIDER or step.provider_may_set)
    ]


def check(current: S, wanted: S, by: StatusSetBy, reason_code: str = "", reason: str = "") -> None:
    """Raise TransitionError unless `wanted` may follow `current` when set by `by`, with a
    reason where one is needed."""
    step = STEPS[wanted]
    if current in ENDS:
        raise TransitionError(
            f"This referral is {STEPS[current].label.lower()}: its status cannot change."
        )
    if current not in step.follows:
        allowed = ", ".join(STEPS[s].label.lower() for s in next_steps(current, by)) or "none"
        raise TransitionError(
            f"A referral that is {STEPS[current].label.lower()} cannot become "
            f"{step.label.lower()}. It can become: {allowed}."
        )
    if by is StatusSetBy.PROVIDER and not step.provider_may_set:
        raise TransitionError(f"Only the link worker can mark a referral {step.label.lower()}.")
    if step.needs_reason:
        if wanted is S.DECLINED and reason_code not in DECLINE_REASONS:
            raise TransitionError("Choose why the referral is declined.")
        if (wanted is S.CANCELLED or reason_code == "other") and not reason.strip():
            raise TransitionError(f"Say why the referral is {step.label.lower()}.")


def fhir_task_status(status: S) -> str:
    return STEPS[status].fhir_task_status
