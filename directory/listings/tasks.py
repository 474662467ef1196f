"""What waits for someone: reports, requests, revisions and stale listings, per person."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import selectinload
from sqlmodel import Session, select

from directory import mail
from directory.accounts import users
from directory.accounts.security_log import record_security_event
from directory.listings import editing, freshness
from directory.models import (
    ListingReport,
    ListingRevision,
    ListingStatus,
    Organisation,
    OrganisationRequest,
    RequestKind,
    RequestStatus,
    RevisionStatus,
    Role,
    SecurityEventKind,
    Service,
    TaskStatus,
    User,
    utcnow,
)


@dataclass
class Tasks:
    organisation: Organisation | None = None
    services: list[Service] = field(default_factory=list)
    reports: list[ListingReport] = field(default_factory=list)
    revisions: list[ListingRevision] = field(default_factory=list)
    returned: list[ListingRevision] = field(default_factory=list)
    requests: list[OrganisationRequest] = field(default_factory=list)
    stale: list[Service] = field(default_factory=list)
    new_services: list[Service] = field(default_factory=list)


def for_user(session: Session, user: User) -> Tasks:
    """An editor's tasks for their organisation; a manager's across the directory."""
    if user.role == Role.EDITOR and user.organization_id:
        org_id = user.organization_id
        services = session.exec(
            select(Service).where(Service.organization_id == org_id).order_by(Service.name)
        ).all()
        return Tasks(
            organisation=session.get(Organisation, org_id),
            services=list(services),
            reports=open_reports(session, org_id),
            revisions=editing.pending_revisions(session, org_id),
            returned=list(
                session.exec(
                    select(ListingRevision)
                    .where(
                        ListingRevision.organization_id == org_id,
                        ListingRevision.status == RevisionStatus.RETURNED,
                    )
                    .order_by(ListingRevision.decided_at.desc())  # type: ignore[union-attr]
                    .limit(10)
                ).all()
            ),
            stale=freshness.stale_services(session, organisation_id=org_id),
        )
    return Tasks(
        reports=open_reports(session),
        revisions=editing.pending_revisions(session),
        requests=list(
            session.exec(
                select(OrganisationRequest)
                .where(OrganisationRequest.status == RequestStatus.PENDING)
                .order_by(OrganisationRequest.created_at)  # type: ignore[arg-type]
            ).all()
        ),
        stale=freshness.stale_services(session)[:50],
        new_services=editing.waiting_for_approval(session),
    )


def open_reports(session: Session, organisation_id: uuid.UUID | None = None) -> list[Any]:
    statement = (
        select(ListingReport)
        .join(Service)
        .where(ListingReport.status == TaskStatus.OPEN)
        .options(selectinload(ListingReport.service))  # type: ignore[arg-type]
        .order_by(ListingReport.created_at)  # type: ignore[arg-type]
    )
    if organisation_id is not None:
        statement = statement.where(Service.organization_id == organisation_id)
    return list(session.exec(statement).all())


def resolve_report(session: Session, report: ListingReport, user: User) -> None:
    report.status = TaskStatus.DONE
    report.resolved_by = user.id
    report.resolved_at = utcnow()
    session.add(report)
    session.commit()


def decide_request(
    session: Session, request: OrganisationRequest, manager: User, approve: bool, join_link: Any
) -> None:
    """Approve (publish a new organisation, invite the requester) or refuse a request."""
    request.status = RequestStatus.APPROVED if approve else RequestStatus.REFUSED
    request.decided_by = manager.id
    request.decided_at = utcnow()
    session.add(request)
    session.commit()
    organisation = session.get(Organisation, request.organization_id)
    if organisation is None:
        return
    if not approve:
        mail.send(
            request.email,
            f"About your request for {organisation.name}",
            "Hello,\n\nWe could not confirm your request to keep the listings of "
            f"{organisation.name}. Reply to this email if you think this is a mistake.\n",
        )
        return
    if request.kind == RequestKind.REGISTER:
        editing.set_status(
            session, organisation, ListingStatus.PUBLISHED, user=manager, actor=manager.email
        )
    link = join_link(users.invite_token(request.email, organisation))
    record_security_event(
        SecurityEventKind.INVITATION_SENT,
        None,
        actor=manager,
        detail=f"to edit organisation {organisation.id}, on approving a request",
        session=session,
    )
    mail.send(
        request.email,
        f"You can now keep {organisation.name}'s listings up to date",
        f"Hello {request.name},\n\nYour request has been approved. Open this link to choose a "
        f"password and start editing:\n\n{link}\n",
    )
