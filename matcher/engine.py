"""`match`: rules, then scoring, then diversity.

1. Candidates: services tagged with one of the person's needs, whose name or keywords say
   a synonym of one, or whose own words cover enough of what the person said.
2. Each candidate gets a quick key: how well it meets the needs and the words, and a rough
   distance (to the map cell of its nearest venue). In that order, candidates are checked
   against the hard rules (`rules.RULES`) and scored in full (`scoring`, weights in
   `weights.Weights`), until every need has `Weights.shortlist` services the rules allow:
   in a large catalogue the rest cannot reach the top few. A candidate that breaks any
   rule is excluded, with every reason.
3. Diversity: the suggestions are picked one at a time, each need counting less every time
   a suggestion already meets it, so that several needs are covered rather than one repeated.
   Suggestions whose referral route is known come first, then those whose route is unknown
   ("check with the service how to get in"), each by score: an unknown route ranks below a
   known route that fits, however well it scores.

NHS mental health pathway listings are never candidates: they are offered apart, as "more
support" (pathways.py), with crisis options first when `urgent`.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Container, Iterable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from matcher import pathways
from matcher.catalogue import IN_PERSON, NO_WORDS, REMOTE, Catalogue, Words
from matcher.distance import miles_between, rounded
from matcher.facts import (
    Exclusion,
    MatchResult,
    Profile,
    ServiceFacts,
    Suggestion,
    Vocabulary,
)
from matcher.rules import RULES, Rule, Situation, allowed, broken
from matcher.scoring import Candidate, fit, reasons, text_score
from matcher.weights import DEFAULT_WEIGHTS, Weights

T = TypeVar("T")


def match(
    profile: Profile,
    services: Catalogue | Iterable[ServiceFacts],
    config: Weights = DEFAULT_WEIGHTS,
    *,
    today: date,
    vocabulary: Vocabulary | None = None,
    limit: int | None = None,
    rules: tuple[Rule, ...] = RULES,
    urgent: bool = False,
) -> MatchResult:
    """The few services that suit the person best, with reasons, and those the rules exclude;
    and the NHS mental health options that fit them (crisis ones first, only when `urgent`:
    the person's words or needs call for urgent help).

    Pass a prepared Catalogue when matching more than once: building one indexes every
    service. `today` decides which listings are past their review date.
    """
    catalogue = services if isinstance(services, Catalogue) else Catalogue(services)
    vocabulary = vocabulary or Vocabulary()
    words = (
        catalogue.words_of(profile.what_matters, config.text_common_share)
        if profile.what_matters.strip()
        else NO_WORDS
    )
    found = _candidates(profile, catalogue, words, config, vocabulary)
    eligible, excluded = _weigh(profile, catalogue, found, config, vocabulary, today, rules)
    chosen = _diversify(eligible, config, config.limit if limit is None else limit)
    return MatchResult(
        suggestions=tuple(
            Suggestion(
                service_id=c.service.id,
                name=c.service.name,
                organisation=c.service.organisation,
                score=round(value, 3),
                needs_met=tuple(n for n in profile.needs if n in c.strengths),
                distance_miles=None if c.distance_miles is None else rounded(c.distance_miles),
                reasons=reasons(
                    profile, c, catalogue.found_in(words, c.index), config, vocabulary, today
                ),
            )
            for c, value in chosen
        ),
        excluded=_exclusions(profile, excluded, config, today, rules),
        excluded_total=len(excluded),
        considered=len(found.indexes),
        weighed=len(eligible) + len(excluded),
        pathways=pathways.options(
            profile, catalogue, situation=Situation(today, config, None), urgent=urgent
        ),
    )


@dataclass(slots=True)
class Found:
    """What the person's needs and words find in the catalogue, before the rules."""

    strengths: dict[str, dict[int, float]]  # need -> service -> how well it meets it
    synonyms: dict[str, dict[int, str]]  # need -> service -> the synonym its words say
    similarity: dict[int, float]  # service -> how much of the person's words it covers
    indexes: set[int]  # every candidate
    words_only: list[int]  # candidates found by the words alone


def _candidates(
    profile: Profile,
    catalogue: Catalogue,
    words: Words,
    config: Weights,
    vocabulary: Vocabulary,
) -> Found:
    """Every service that addresses one of the needs, or enough of the person's words."""
    by_rank = (config.need_main, config.need_secondary, config.need_other)
    strengths: dict[str, dict[int, float]] = {}
    synonyms: dict[str, dict[int, str]] = {}
    for need in profile.needs:
        said = catalogue.synonym_hits(need, tuple(vocabulary.need_synonyms.get(need, ())))
        tagged = catalogue.need_strengths(need, by_rank)
        strengths[need] = {**dict.fromkeys(said, config.need_synonym), **tagged}
        synonyms[need] = said
    apart = catalogue.pathways  # offered as more support, never among the suggestions
    if apart:
        strengths = {n: _without(meeting, apart) for n, meeting in strengths.items()}
        synonyms = {n: _without(said, apart) for n, said in synonyms.items()}
    indexes: set[int] = set().union(*strengths.values())
    similarity = catalogue.coverage(words) if words.stems else {}
    close = [
        i
        for i, v in similarity.items()
        if v >= config.text_cutoff and i not in indexes and i not in apart
    ]
    words_only = heapq.nlargest(config.shortlist, close, key=similarity.__getitem__)
    indexes.update(words_only)
    return Found(strengths, synonyms, similarity, indexes, words_only)


def _without(found: dict[int, T], apart: frozenset[int]) -> dict[int, T]:
    return {i: v for i, v in found.items() if i not in apart}


def _quick_keys(
    profile: Profile, catalogue: Catalogue, found: Found, config: Weights
) -> dict[int, float]:
    """A quick key for each candidate: needs, words and rough distance (to the map cell of
    its nearest venue), so that the most promising are weighed first. The rough distance
    only orders the weighing: the miles the rules judge and the reasons show are measured
    to the venues themselves (Catalogue.nearest_site_miles)."""
    keys: dict[int, float] = dict.fromkeys(found.indexes, 0.0)
    for meeting in found.strengths.values():
        for i, strength in meeting.items():
            keys[i] += strength
    for i, similarity in found.similarity.items():
        if i in keys and similarity >= config.text_cutoff:
            keys[i] += text_score(similarity, config)
    if profile.latitude is None or profile.longitude is None:
        return keys
    lat, lon = profile.latitude, profile.longitude
    half_life = config.distance_half_life_miles
    remote = config.distance * math.pow(0.5, config.remote_as_miles / half_life)
    centres = catalogue.cell_centres
    near: list[float | None] = [None] * len(centres)  # worked out once a cell, when needed

    def cell_score(cell: int) -> float:
        score = near[cell]
        if score is None:
            miles = miles_between(lat, lon, *centres[cell])
            score = near[cell] = config.distance * math.pow(0.5, miles / half_life)
        return score

    reach, cells = catalogue.reach, catalogue.cells
    for i in keys:
        how = reach[i]
        if how == REMOTE:
            keys[i] += remote
            continue
        venues = cells[i]
        best = cell_score(venues[0]) if len(venues) == 1 else max(map(cell_score, venues))
        keys[i] += best if how == IN_PERSON else max(best, remote)
    return keys


def _weigh(
    profile: Profile,
    catalogue: Catalogue,
    found: Found,
    config: Weights,
    vocabulary: Vocabulary,
    today: date,
    rules: tuple[Rule, ...],
) -> tuple[list[Candidate], list[Candidate]]:
    """Check candidates against the rules and score them in full, most promising first,
    until `shortlist` the rules allow are in overall and for each need (and every service
    the words alone found): in a large catalogue the rest cannot reach the top few."""
    keys = _quick_keys(profile, catalogue, found, config)
    weighed: dict[int, Candidate | None] = {}  # None: excluded by the rules
    eligible: list[Candidate] = []
    excluded: list[Candidate] = []
    lat, lon = profile.latitude, profile.longitude

    def weigh(i: int) -> bool:
        if i in weighed:
            return weighed[i] is not None
        c = Candidate(
            index=i,
            service=catalogue.services[i],
            strengths={n: meeting[i] for n, meeting in found.strengths.items() if i in meeting},
            synonyms={n: said[i] for n, said in found.synonyms.items() if i in said},
            distance_miles=(
                None if lat is None or lon is None else catalogue.nearest_site_miles(i, lat, lon)
            ),
            similarity=found.similarity.get(i, 0.0),
        )
        if not allowed(profile, c.service, Situation(today, config, c.distance_miles), rules):
            weighed[i] = None
            excluded.append(c)
            return False
        c.fit = fit(profile, c, config, vocabulary, today)
        weighed[i] = c
        eligible.append(c)
        return True

    # known routes first, as the suggestions are ordered (_diversify)
    services = catalogue.services
    order = sorted(keys, key=lambda i: (services[i].routes_known, keys[i]), reverse=True)

    def fill(among: Container[int] | None) -> None:
        allowed_so_far = 0
        for i in order:
            if allowed_so_far >= config.shortlist:
                return
            if among is None or i in among:
                allowed_so_far += weigh(i)

    fill(None)
    for meeting in found.strengths.values():
        fill(meeting)
    for i in found.words_only:  # no more than `shortlist` of them
        weigh(i)
    return eligible, excluded


def _diversify(pool: list[Candidate], config: Weights, limit: int) -> list[tuple[Candidate, float]]:
    """Pick greedily by marginal value: a need already met counts repeat_need_decay less for
    each suggestion meeting it, and an organisation already chosen costs same_organisation.
    Every suggestion whose referral route is known (and so open: the rules allowed it) comes
    before any whose route is unknown, whatever their values: a listing that says how to get
    in and fits ranks above one that may turn out closed to the person.

    Values only fall as suggestions are picked, so a stale value is an upper bound and the
    heap can re-check just the top (lazy greedy): the same picks as recomputing every time.
    """
    covered: Counter[str] = Counter()
    organisations: Counter[str] = Counter()

    def unknown(c: Candidate) -> bool:
        return not c.service.routes_known

    def value(c: Candidate) -> float:
        needs = sum(s * config.repeat_need_decay ** covered[n] for n, s in c.strengths.items())
        repeat = config.same_organisation * organisations[c.service.organisation]
        return needs + text_score(c.similarity, config) + c.fit + repeat

    # (unknown route, -value, ...): a known route comes first whatever the values
    heap = [(unknown(c), -value(c), c.service.name, c.service.id, c.index, c) for c in pool]
    heapq.heapify(heap)
    chosen: list[tuple[Candidate, float]] = []
    while heap and len(chosen) < limit:
        late, _, name, key, index, c = heapq.heappop(heap)
        current = value(c)
        if heap and (late, -current) > heap[0][:2]:
            heapq.heappush(heap, (late, -current, name, key, index, c))
            continue
        chosen.append((c, current))
        covered.update(c.strengths)
        organisations[c.service.organisation] += 1
    return chosen


def _exclusions(
    profile: Profile,
    excluded: list[Candidate],
    config: Weights,
    today: date,
    rules: tuple[Rule, ...],
) -> tuple[Exclusion, ...]:
    """The excluded services the person would most have wanted, with every rule each breaks."""
    ranked = sorted(
        excluded,
        key=lambda c: (-(c.need_total() + text_score(c.similarity, config)), c.service.name),
    )
    if config.excluded_limit is not None:
        ranked = ranked[: config.excluded_limit]
    return tuple(
        Exclusion(
            service_id=c.service.id,
            name=c.service.name,
            organisation=c.service.organisation,
            reasons=tuple(
                broken(profile, c.service, Situation(today, config, c.distance_miles), rules)
            ),
        )
        for c in ranked
    )
