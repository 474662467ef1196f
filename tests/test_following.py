"""Every host's index follows the database: the catalogue's change log is written in the same
transaction as each change, whatever the write path, and an index catches up from it."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select
from whoosh.qparser import QueryParser

from directory import db, search
from directory.catalogue import changes
from directory.models import (
    NEEDS_TAXONOMY_ID,
    Accessibility,
    CatalogueChange,
    Location,
    Organisation,
    Phone,
    Schedule,
    SearchPhrase,
    Service,
    ServiceAtLocation,
    TaxonomyTerm,
    stable_id,
    utcnow,
)
from directory.search import following
from tests.conftest import build_index

TEA = stable_id("service", "hyde-park-tuesday-tea")
CLINIC = stable_id("service", "hyde-park-money-clinic")
HYDE_PARK = stable_id("organisation", "hyde-park-friends")
ROOMS = stable_id("location", "hyde-park-friends-rooms")


def _entries_after(session: Session, seq: int) -> set[tuple[str, uuid.UUID | None]]:
    rows = session.exec(
        select(CatalogueChange.scope, CatalogueChange.subject_id).where(
            col(CatalogueChange.seq) > seq
        )
    ).all()
    return {(scope, subject) for scope, subject in rows}


def _tea(session: Session) -> Service:
    service = session.get(Service, TEA)
    assert service is not None, "the small catalogue's Tuesday Tea"
    return service


def _rename(session: Session) -> None:
    _tea(session).name = "Tuesday Tea and Biscuits"


def _add_opening(session: Session) -> None:
    session.add(Schedule(service_id=TEA, byday="FR", opens_at="09:00", closes_at="10:00"))


def _rename_organisation(session: Session) -> None:
    organisation = session.get(Organisation, HYDE_PARK)
    assert organisation is not None
    organisation.name = "Hyde Park Neighbours"


def _move_place(session: Session) -> None:
    place = session.get(Location, ROOMS)
    assert place is not None
    place.postal_code = "LS6 2AA"


def _add_access(session: Session) -> None:
    session.add(Accessibility(location_id=ROOMS, feature="parking"))


def _new_synonym(session: Session) -> None:
    term = session.exec(
        select(TaxonomyTerm).where(
            TaxonomyTerm.taxonomy_id == NEEDS_TAXONOMY_ID, TaxonomyTerm.code == "loneliness"
        )
    ).one()
    term.synonyms = [*term.synonyms, "nobody to talk to"]


def _new_phrase(session: Session) -> None:
    session.add(SearchPhrase(phrase="proper skint", means=["money"], needs=["money_debt"]))


def _bulk_update(session: Session) -> None:
    session.execute(sa.update(Schedule).where(col(Schedule.service_id) == TEA).values(notes="x"))


def _bulk_delete(session: Session) -> None:
    session.execute(sa.delete(Schedule).where(col(Schedule.service_id) == TEA))


def _bulk_insert(session: Session) -> None:
    session.execute(
        sa.insert(Schedule),
        [{"id": uuid.uuid4(), "service_id": TEA, "byday": "SA", "opens_at": "10:00",
          "closes_at": "11:00"}],
    )  # fmt: skip


def _move_openings(session: Session) -> None:
    # as a merge does: the duplicate's rows go to the listing kept, and both change
    session.execute(
        sa.update(Schedule).where(col(Schedule.service_id) == TEA).values(service_id=CLINIC)
    )


def _contact_phone(session: Session) -> None:
    contact = _tea(session).contacts[0]
    session.add(Phone(contact_id=contact.id, number="0113 496 0999"))


def _delete_service(session: Session) -> None:
    session.delete(_tea(session))


def _at(place: uuid.UUID) -> tuple[str, uuid.UUID]:
    return (changes.LOCATION, place)


WRITES = {
    "a service's own field": (_rename, {(changes.SERVICE, TEA)}),
    "a part of a service": (_add_opening, {(changes.SERVICE, TEA)}),
    "an organisation": (_rename_organisation, {(changes.ORGANISATION, HYDE_PARK)}),
    "a place": (_move_place, {_at(ROOMS)}),
    "a place's access": (_add_access, {_at(ROOMS)}),
    "a need's words": (_new_synonym, {(changes.NEED, stable_id("need", "loneliness"))}),
    "a search phrase": (_new_phrase, {(changes.VOCABULARY, None)}),
    "a bulk UPDATE": (_bulk_update, {(changes.SERVICE, TEA)}),
    "a bulk DELETE": (_bulk_delete, {(changes.SERVICE, TEA)}),
    "a bulk INSERT": (_bulk_insert, {(changes.SERVICE, TEA)}),
    "rows moved to another service": (
        _move_openings,
        {(changes.SERVICE, TEA), (changes.SERVICE, CLINIC)},
    ),
    "a contact's phone": (_contact_phone, {(changes.SERVICE, TEA)}),
    "a deleted service": (_delete_service, {(changes.SERVICE, TEA)}),
}


@pytest.mark.parametrize("write", list(WRITES), ids=list(WRITES))
def test_each_kind_of_catalogue_write_is_logged_in_its_own_transaction(
    small_app, session_for, write
):
    change, expected = WRITES[write]
    session = session_for(small_app)
    before = changes.latest(session)
    change(session)
    session.rollback()
    assert changes.latest(session) == before, "a rolled-back edit leaves no entry"

    change(session)
    session.commit()
    logged = _entries_after(session, before)
    assert expected <= logged
    newest, services = changes.since(session, before)
    assert newest == changes.latest(session) > before
    if write == "a search phrase":
        assert services == set()  # the phrases are read at search time, no document holds them
    else:
        assert services and TEA in services


def test_a_write_outside_the_catalogue_leaves_no_entry(small_app, session_for):
    from directory.models import SearchLog

    session = session_for(small_app)
    before = changes.latest(session)
    session.add(SearchLog(searched_at=utcnow(), query="tea", results=1))
    session.commit()
    assert changes.latest(session) == before


def test_entries_name_services_through_their_organisation_place_and_need(small_app, session_for):
    session = session_for(small_app)
    before = changes.latest(session)
    _rename_organisation(session)
    session.commit()
    hyde_park = set(
        session.exec(select(Service.id).where(Service.organization_id == HYDE_PARK)).all()
    )
    assert changes.since(session, before)[1] == hyde_park
    before = changes.latest(session)
    _move_place(session)
    session.commit()
    at_rooms = set(
        session.exec(
            select(ServiceAtLocation.service_id).where(ServiceAtLocation.location_id == ROOMS)
        ).all()
    )
    assert changes.since(session, before)[1] == at_rooms


def test_since_says_everything_when_the_log_was_pruned_past_it_or_is_behind_it(
    small_app, session_for
):
    session = session_for(small_app)
    _rename(session)
    session.commit()
    _add_opening(session)
    session.commit()
    newest = changes.latest(session)
    assert changes.since(session, newest) == (newest, set())
    assert changes.since(session, newest + 5) == (newest, None)  # another database
    assert changes.prune(session, now=utcnow() + changes.KEEP_FOR + timedelta(days=1)) > 0
    assert changes.latest(session) == newest, "the newest entry is never pruned"
    assert changes.since(session, newest - 1) == (newest, {TEA})
    assert changes.since(session, newest - 2) == (newest, None)  # a gap past retention


def test_record_notes_a_write_made_round_the_session(small_app, session_for):
    session = session_for(small_app)
    before = changes.latest(session)
    changes.record(session, changes.EVERYTHING)
    session.commit()
    assert changes.since(session, before) == (changes.latest(session), None)


# --- following: an index catches up with the log ---------------------------------------------


def _found(app, word: str) -> set[str]:
    """The ids of the services whose name holds the word, as the app's index has them."""
    index = app.extensions[search.EXTENSION]
    with index.searcher() as searcher:
        query = QueryParser("name", index.open().schema).parse(word)
        return {hit["id"] for hit in searcher.search(query, limit=None)}


def test_catching_up_applies_an_edit_made_elsewhere_and_records_the_entry(
    small_search, session_for
):
    index = small_search.extensions[search.EXTENSION]
    session = session_for(small_search)
    assert index.applied_change() == changes.latest(session), "reindex records its entry"
    # another host's edit: committed, never refreshed here
    _tea(session).name = "Tuesday Tea and Zephyrwort"
    session.commit()
    assert str(TEA) not in _found(small_search, "zephyrwort")

    assert following.catch_up(session, index) == "applied"
    assert str(TEA) in _found(small_search, "zephyrwort")
    assert index.applied_change() == changes.latest(session)
    assert following.catch_up(session, index) == "current"


def test_a_gap_past_retention_or_a_big_backlog_rebuilds(small_search, session_for, monkeypatch):
    index = small_search.extensions[search.EXTENSION]
    session = session_for(small_search)
    _rename(session)
    session.commit()
    _add_opening(session)
    session.commit()
    changes.prune(session, now=utcnow() + changes.KEEP_FOR + timedelta(days=1))
    live = index.live_build()
    assert following.catch_up(session, index) == "rebuilt"
    assert index.live_build() != live
    assert index.applied_change() == changes.latest(session)

    monkeypatch.setattr(following, "SMALL_INDEX", 0)  # a fifth of a small index: 0 services
    _tea(session).summary = "Tea, and more"
    session.commit()
    assert following.catch_up(session, index) == "rebuilt"


def test_an_edit_in_a_web_request_leaves_a_rebuild_to_the_follower(
    small_search, session_for, monkeypatch
):
    index = small_search.extensions[search.EXTENSION]
    session = session_for(small_search)
    search.rebuild(session, index)
    monkeypatch.setattr(following, "SMALL_INDEX", 0)  # any backlog is a big one
    _tea(session).summary = "Tea, and more"
    session.commit()
    index.open()
    live, applied = index.live_build(), index.applied_change()
    assert following.catch_up(session, index, may_rebuild=False) == "deferred"
    assert (index.live_build(), index.applied_change()) == (live, applied)  # nothing done
    assert following.catch_up(session, index) == "rebuilt"  # as the follower does


def test_an_index_built_without_a_record_is_rebuilt_once_by_the_follower(small_search, session_for):
    index = small_search.extensions[search.EXTENSION]
    (index.folder / "applied-change").unlink()
    session = session_for(small_search)
    assert index.applied_change() is None
    assert following.catch_up(session, index, [TEA]) == "applied"  # an edit's own refresh
    assert index.applied_change() is None
    assert following.catch_up(session, index, rebuild_unrecorded=True) == "rebuilt"
    assert index.applied_change() == changes.latest(session)


def test_refresh_catches_up_with_what_other_hosts_changed_too(small_search, session_for):
    index = small_search.extensions[search.EXTENSION]
    session = session_for(small_search)
    _tea(session).name = "Tuesday Tea and Zephyrwort"
    session.commit()  # another host's edit
    clinic = session.get(Service, CLINIC)
    assert clinic is not None
    clinic.name = "Money Worries Quillwort Clinic"
    session.commit()  # this process's own edit
    search.refresh(session, index, [CLINIC])
    assert str(CLINIC) in _found(small_search, "quillwort")
    assert str(TEA) in _found(small_search, "zephyrwort")


@pytest.mark.concurrency
def test_the_follower_thread_catches_up_on_start_and_after_each_commit(small_app, session_for):
    build_index(small_app)
    index = small_app.extensions[search.EXTENSION]
    session = session_for(small_app)
    _tea(session).name = "Tuesday Tea and Zephyrwort"
    session.commit()  # made while the host was down
    follower = following.Follower(small_app.extensions[db.ENGINE_KEY], index)
    follower.start()
    try:
        assert follower.caught_up.wait(30)
        assert str(TEA) in _found(small_app, "zephyrwort")
        clinic = session.get(Service, CLINIC)
        assert clinic is not None
        clinic.name = "Money Worries Quillwort Clinic"
        session.commit()
        newest = changes.latest(session)
        # the entry is recorded just after the index commits, under its lock
        _wait_until(lambda: index.applied_change() == newest)
        assert str(CLINIC) in _found(small_app, "quillwort")
    finally:
        follower.stop()
    assert not follower.thread.is_alive()


def _wait_until(condition, seconds: float = 20.0) -> None:
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not caught up in time"
        time.sleep(0.05)


def test_check_index_says_how_far_the_index_follows_the_log(small_search, session_for):
    session = session_for(small_search)
    newest = changes.latest(session)
    result = small_search.test_cli_runner().invoke(args=["check-index"])
    assert result.exit_code == 0, result.output
    assert "The index matches the database." in result.output
    assert f"changes up to entry {newest} of {newest}." in result.output
    _rename(session)
    session.commit()
    result = small_search.test_cli_runner().invoke(args=["check-index"])
    assert f"up to entry {newest} of {newest + 1}, 1 behind." in result.output
