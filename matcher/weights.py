"""Every number the matcher uses, in one place, with what it means.

A service's score is the sum of the parts below. The needs lead: a service mainly for
one of the person's needs scores 1.0 for it, 0.75 or 0.6 when the need is further down its
list, 0.4 when only its name or keywords say a synonym; the person's own words add up to
0.35. The rest (distance, preferences, the listing) typically moves a score by a few
tenths either way, so a near, free, well-timed service can overtake one that meets the need
less squarely; the big swings are deliberate (their own language +0.6, no language in
common -1.0, offered only in ways they cannot use -0.6). Then diversity: each need counts
repeat_need_decay less for every suggestion already meeting it.

Nothing here can let a service break a hard rule: the rules (rules.py) decide first, and
only their settings (review period, grace, referral routes) live here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Weights:
    # --- how well a service meets each of the person's needs (the best way counts) -------
    need_main: float = 1.0  # the need is the service's main one (first in its list)
    need_secondary: float = 0.75  # the service's second need
    need_other: float = 0.6  # its third need or later
    need_synonym: float = 0.4  # not tagged with the need, but its name or keywords say a synonym
    # The service's main need is not one of the person's: it is mainly for something else
    # (a domestic abuse line that also helps with low mood, for someone who is low).
    off_focus: float = -0.25
    # Tagged for an age group the person is not in (older people's, for a 15-year-old).
    other_ages: float = -0.4

    # --- the person's own words ("what matters to me") -----------------------------------
    # How much of what they said a service's own words (name, keywords, description) cover:
    # each telling word counts by its inverse document frequency, so "fishing" says more
    # than "group". Words are stemmed; a word the catalogue lacks is corrected to one within
    # an edit or two (rapidfuzz); words in more than text_common_share of listings are left
    # out. It scores from nothing at the cutoff (0-100) to the whole weight at 100, and even
    # then less than a synonym: taxonomy beats synonym beats words.
    text: float = 0.35
    text_cutoff: float = 25.0
    text_common_share: float = 0.2
    # How many services, at most, the words alone bring in; and how many the rules must
    # allow, overall and for each need, before the rest of a large catalogue is left unweighed
    # (most promising first, so the rest cannot reach the top few).
    shortlist: int = 30

    # --- distance ------------------------------------------------------------------------
    distance: float = 0.5  # times 0.5 ** (miles / half-life), for a service in person
    distance_half_life_miles: float = 1.5
    # Online and phone services count as this far away: near enough to suggest, but a good
    # group round the corner comes first.
    remote_as_miles: float = 2.5

    # --- preferences (they rank; free_only and max_miles also exclude, as rules) ---------
    free: float = 0.15  # free, when the person asked for free things
    mode: float = 0.15  # offered in a way they chose (in person, online, phone)
    mode_mismatch: float = -0.6  # offered only in ways they did not choose
    times: float = 0.25  # runs when they are free (or has no fixed times)
    times_mismatch: float = -0.15  # runs only when they are not free
    language: float = 0.6  # offered in their language, when it is not English
    language_missing: float = -0.2  # not offered in it (but in English, which they may have)
    no_common_language: float = -1.0  # offered neither in their language nor in English
    access: float = 0.25  # times the share of their access needs a venue meets
    group: float = 0.3  # only for a group they belong to: carers, LGBTQ+, veterans (not gender)
    # For an age band that includes them, the narrower the better: times
    # (1 - band / age_band_span), so 16-25 earns most of it and 18-and-over nothing.
    age_band: float = 0.25
    age_band_span: int = 80

    # --- the listing -----------------------------------------------------------------------
    fresh: float = 0.1  # checked within fresh_days; fades to nothing by review_days
    fresh_days: int = 183
    waiting_per_week: float = -0.02  # per week of waiting list
    waiting_cap: float = -0.25  # the most a waiting list takes off
    waiting_weeks_unknown: int = 6  # assumed when a waiting list gives no weeks
    # Nobody has said how to get in (routes unknown, as an import may leave them): allowed,
    # but below a listing whose known route fits.
    routes_unknown: float = -0.2

    # --- diversity: cover the person's different needs rather than repeat one ------------------
    # A need already met by k chosen services counts decay ** k for the next one.
    repeat_need_decay: float = 0.35
    same_organisation: float = -0.15  # for each service already chosen from the organisation
    limit: int = 5

    # --- hard rules ------------------------------------------------------------------------
    review_days: int = 365  # a listing should be checked at least this often
    grace_days: int = 90  # and is excluded once this much past its review date
    # The referral routes each referrer can use. A link worker can refer (professional) and
    # can also help the person refer themselves ("just turn up"); a GP-only route needs a GP.
    routes: tuple[tuple[str, tuple[str, ...]], ...] = (
        ("self", ("self",)),
        ("professional", ("professional", "self")),
    )
    # The routes into an NHS mental health pathway listing each referrer can use: the person
    # refers themselves; a link worker can also refer, make an urgent referral, or ask the
    # person's GP practice (its GP or mental health practitioner: for someone registered with
    # one). Pathway listings are offered apart from the suggestions, at most pathway_limit.
    pathway_routes: tuple[tuple[str, tuple[str, ...]], ...] = (
        ("self", ("self",)),
        ("professional", ("self", "professional", "gp", "mhp", "urgent")),
    )
    pathway_limit: int = 6
    # How many excluded services to list (the most relevant first); None lists them all.
    excluded_limit: int | None = 100

    def routes_for(self, referrer: str) -> tuple[str, ...]:
        return dict(self.routes).get(referrer, ())

    def pathway_routes_for(self, referrer: str) -> tuple[str, ...]:
        return dict(self.pathway_routes).get(referrer, ())


DEFAULT_WEIGHTS = Weights()
