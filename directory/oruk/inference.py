"""What an Open Referral feed says in prose about how to get into a service and how it is
delivered, read from its own words: "just turn up" is self referral, "ask your GP" is a GP
referral, "telephone befriending" is delivered by phone, "women aged 16 and over" is for
women only.

HSDS has no field for referral routes, and its delivery is only the kinds of a service's
locations, so a council's feed says these things in `application_process`, `description`,
`eligibility_description` and the schedules' `attending_type`. The cues below are the one
list of the words we read; each is a regular expression over lower-case text, matched on
word boundaries. A cue is not taken when a negation comes just before it in the same clause
("not suitable for drop in", "no GP referral needed") or just after it ("a GP referral is
not needed"), so the words that mean "no referral needed" are self-referral cues of their own.
Words that only invite people to get in touch ("contact us to book", "everyone welcome") say
self referral only where the words name no route at all.

What no cue says stays unknown: an empty answer means "we cannot tell", never "no".
Pure functions, no database: importing.py calls them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# Who can refer: route -> the phrases that say it. Order within a list does not matter.
_PROFESSIONALS = (
    r"(professionals?|social workers?|health visitors?|link workers?|key workers?|support "
    r"workers?|care co-?ordinators?|mental health teams?|social prescribers?|midwi(fe|ves)|"
    r"schools?|agenc(y|ies)|partner organisations?)"
)
_ARTICLE = r"(a |an |your |their |the |his |her )?"
# The mental health practitioner at the GP practice (a PCN's MHP), by name or initials.
_MHP = r"((gp |practice |surgery |pcn |practice's |surgery's )?mental health practitioners?|mhps?)"
ROUTE_CUES: dict[str, tuple[str, ...]] = {
    "self": (
        r"just (turn|come|pop|drop|walk) (up|along|in|by)",
        r"turn up",
        r"drop[- ]?ins?",
        r"walk[- ]?ins?",
        r"come along",
        r"pop (in|along|by)",
        r"self[- ]?refer(ral|rals|red|ring|s)?",
        r"refer (yourself|themselves|themself|myself|yourselves)",
        r"no (gp |professional |formal |medical )?referrals? (is |are )?"
        r"(needed|required|necessary)",
        r"no need (for (a |any )?(gp |professional |formal )?referral|to (book|register|be "
        r"referred))",
        r"without (a |any )?(gp |professional |formal )?referral",
        r"(do not|don't|dont|does not|doesn't) need (a |any |to get a )?(gp |professional )?"
        r"referral",
        r"referrals? (from [a-z]+( [a-z]+)? )?(is |are )?not (needed|required|necessary)",
    ),
    "gp": (
        r"ask (your|their|a) (gp|doctor)",
        r"gp referrals?",
        r"referrals? (only )?(from|by|through|via) " + _ARTICLE + r"(gp|doctor|surgery)",
        r"referred (by|from|through) " + _ARTICLE + r"(gp|doctor|surgery)",
        r"(your|their|a) (gp|doctor) (can|will|must|should) refer",
    ),
    "professional": (
        r"referrals? (only )?(are |is )?(accepted |taken |welcomed? )?(from|by|through|via) "
        + _ARTICLE
        + _PROFESSIONALS,
        r"referred (by|from|through) " + _ARTICLE + _PROFESSIONALS,
        r"professional referrals?",
        r"ask " + _ARTICLE + _PROFESSIONALS + r" to refer",
        _PROFESSIONALS + r" (can|may) refer",
        r"(professional|agency) referrals? (only|accepted|welcome)",
        r"professionals? only",
        # "Professionals must email the team to arrange a place"
        _PROFESSIONALS + r" (must|should|can|may|need to) (email|call|phone|ring|contact|"
        r"get in touch|complete|fill in|send)",
        r"vouchers? (is |are )?(needed |required )?(from|by|through|via) "
        + _ARTICLE
        + r"(referral )?"
        + _PROFESSIONALS,
    ),
    "mhp": (
        r"referrals? (only )?(are |is )?(accepted |taken |welcomed? )?(from|by|through|via) "
        + _ARTICLE
        + r"((gp|doctor)( or|,| and) "
        + _ARTICLE
        + r")?"
        + _MHP,
        r"referred (by|from|through|via) " + _ARTICLE + r"((gp|doctor)( or|,| and) )?" + _MHP,
        r"ask " + _ARTICLE + r"((gp|doctor)( or|,| and) " + _ARTICLE + r")?" + _MHP,
        r"(gp|doctor)( or|,| and) " + _ARTICLE + _MHP + r" (can|may|will|must|should) refer",
        _MHP + r" (can|may|will|must|should) refer",
        r"book (an appointment )?(with|through) " + _ARTICLE + _MHP,
    ),
    "urgent": (
        r"(takes?|accepts?|welcomes?) urgent referrals?",
        r"urgent referrals? (are |is )?(accepted|taken|welcomed?|seen)",
        r"urgent referrals? (from|by)",
        r"same[- ]day (referrals?|assessments?|response)",
        r"(assessed|assesses|assessment|seen|sees|responds?|response) within "
        r"(4|four|24|twenty[- ]four) hours",
    ),
}

# Words that say a person can simply get in touch or come: self referral, but only when
# the words name no referral route ("GP referral only. Call us to book" is GP only).
IN_TOUCH_CUES: tuple[str, ...] = (
    r"(contact|call|phone|ring|email|text|message) (us|the team|the service|[a-z]+) to "
    r"(book|join|register|sign up|arrange)",
    r"book (a|your) (place|space|session|appointment)",
    r"(open to|welcomes?) (all|everyone|anyone)",
    r"(everyone|anyone|all) (is |are )?welcome",
    r"anyone can (come|join|attend|use)",
)

# How it is delivered, besides in person (which only a physical place says).
MODE_CUES: dict[str, tuple[str, ...]] = {
    "phone": (
        r"(tele)?phone befriending",
        r"befriending (phone |telephone )?calls?",
        r"(phone|telephone|support|advice) ?lines?",
        r"helplines?",
        r"call us for (support|advice|a chat|help)",
        r"(support|advice|counselling|befriending|sessions?|chat|talk|help) (over|by|on) the "
        r"(tele)?phone",
        r"(support|advice|counselling|sessions?|help) by (tele)?phone",
        r"(tele)?phone (support|counselling|advice|sessions?|calls? each week|service)",
        r"(weekly|regular|friendly) (phone |telephone )?(calls?|chats?)",
    ),
    "online": (
        r"online (course|courses|sessions?|groups?|support|meetings?|classes|class|chat|"
        r"counselling|workshops?|programme|therapy|community|forum)",
        r"video (call|calls|calling|conferencing|chat|sessions?)",
        r"zoom",
        r"(microsoft|ms) teams",
        r"(via|on|over) teams",
        r"webinars?",
        r"web ?chat",
        r"live chat",
        r"virtual (sessions?|groups?|meetings?|classes|support)",
        r"(attend|join|delivered|run|held|meet|meets) (remotely|online)",
        r"remotely via",
    ),
}

# Words that turn a cue around when they come within NEAR words before it in its clause.
NEGATIONS = frozenset(
    {"no", "not", "never", "without", "cannot", "can't", "cant", "unable", "unsuitable"}
    | {"don't", "dont", "doesn't", "doesnt", "isn't", "isnt", "aren't", "arent"}
)
NEAR = 4
# Or just after it: "a GP referral is not needed".
NEGATED_AFTER = re.compile(
    r"^\W*(is |are |will |can )?(not|no longer|never) (be )?(needed|required|necessary|"
    r"possible|accepted|taken|available|offered|allowed|permitted)"
)
# A clause ends at punctuation or a "but": a negation does not reach across it.
CLAUSE_END = re.compile(r"[.,;:!?\n()]|\bbut\b")
WORD = re.compile(r"[a-z']+")


@dataclass(frozen=True)
class Cue:
    """A compiled cue: what it says (a route or a mode) and the pattern of its phrases."""

    says: str
    pattern: re.Pattern[str]


def _compile(cues: dict[str, tuple[str, ...]]) -> tuple[Cue, ...]:
    """One expression for each meaning: its phrases as alternatives, on word boundaries."""
    return tuple(
        Cue(says, re.compile(r"\b(?:" + "|".join(f"(?:{p})" for p in found) + r")\b"))
        for says, found in cues.items()
    )


ROUTES = _compile(ROUTE_CUES)
IN_TOUCH = _compile({"self": IN_TOUCH_CUES})
MODES = _compile(MODE_CUES)


def _clean(text: str) -> str:
    return " ".join(text.lower().replace("\u2019", "'").split()).replace("–", "-")


def negated(text: str, start: int, end: int) -> bool:
    """Whether the phrase text[start:end] is turned around by a negation in its clause."""
    before = CLAUSE_END.split(text[:start])[-1]
    if NEGATIONS & set(WORD.findall(before)[-NEAR:]):
        return True
    after = CLAUSE_END.split(text[end:])[0]
    return bool(NEGATED_AFTER.match(after))


def said(cues: Iterable[Cue], texts: Iterable[str]) -> set[str]:
    """What the cues find said (not negated) anywhere in the texts."""
    found: set[str] = set()
    for raw in texts:
        text = _clean(raw)
        if not text:
            continue
        for cue in cues:
            if cue.says in found:
                continue
            if any(not negated(text, m.start(), m.end()) for m in cue.pattern.finditer(text)):
                found.add(cue.says)
    return found


def referral_routes(texts: Iterable[str]) -> set[str]:
    """The referral routes (self, gp, professional, mhp, urgent) the words say; empty when
    they say none."""
    texts = list(texts)
    return said(ROUTES, texts) or said(IN_TOUCH, texts)


def delivery_modes(texts: Iterable[str]) -> set[str]:
    """The ways of delivery besides in person (phone, online) the words say."""
    return said(MODES, texts)


# Who alone a service is for, as its eligibility (or its name) states it in clear words:
# "women only", "for women aged 16 and over", "men aged 18 and over", "for unpaid carers".
# A group named for people ("Men's Shed", "men's mental health awareness") is not, by its
# name alone, closed to others, so the cues need words that say who may come. Words that
# name more than one group ("women and men", "carers and the people they care for") say no
# restriction, and unclear words leave the listing open to all.
_WOMEN = r"(women|woman|females?|ladies|girls and women|women and girls)"
_MEN = r"(men|males?|gentlemen|boys and men|men and boys)"
_FOR = r"(for|open to|only|just|exclusively for|available to) "
_WHO_ONLY = r"( only| aged \d+| over \d+| \d+ ?\+| of all ages| who| living| in | from )"


def _sex_cues(group: str, adjective: str, possessive: str) -> tuple[str, ...]:
    """The cues that say a service is for women (or men) only, the same for either."""
    return (
        group + r"[- ]only",
        r"only (for |open to )?" + group,
        _FOR + group + r"(?=[.;:!?)]|$)",
        _FOR + r"(the )?" + group + _WHO_ONLY,
        r"^" + group + r" (aged|over|of|who|living|experiencing|affected)\b",
        # "Women (16+)", "Female survivors of domestic abuse aged 16+"
        r"^" + group + r" \(?\d+(?= ?(\+|and over|or over|plus))",
        r"^" + adjective + r" (survivors|victims|carers|parents|students|veterans)\b",
        possessive,
    )


# Each list starts with its "X only" and "only for X" cues (NAMED_ONLY reads names by them).
RESTRICTION_CUES: dict[str, tuple[str, ...]] = {
    "women_only": (
        *_sex_cues(_WOMEN, r"(female|women)", r"(women|ladies)'s? only"),
        r"(female|women)[- ]identifying (people )?only",
    ),
    "men_only": _sex_cues(_MEN, r"(male|men)", r"men's only"),
    "carers_only": (
        r"(unpaid |family |adult |young )?carers[- ]only",
        r"only (for |open to )?(unpaid |family |adult )?carers",
        _FOR + r"(unpaid|family) carers",
        _FOR + r"carers(?=[.;:!?)]|$)",
        _FOR + r"carers" + _WHO_ONLY,
        r"^(unpaid |family )?carers (aged|over|of|who|living|looking)\b",
        r"(you must|must) (be|have) (an? )?(unpaid |family )?carer",
    ),
    "lgbtq_only": (
        r"lgbt[a-z]*\+?( people| adults| young people)? only",
        r"only (for |open to )?lgbt[a-z]*\+?",
        _FOR + r"lgbt[a-z]*\+? (people|adults|young people|community members)",
        _FOR + r"lgbt[a-z]*\+?(?=[.;:!?)]|$)",
        r"^lgbt[a-z]*\+? (people|adults|young people)? ?(aged|over|who|living)\b",
    ),
    "veterans_only": (
        r"(armed forces |military |ex-?forces |ex-service )?veterans[- ]only",
        r"only (for |open to )?(armed forces |military |ex-?forces )?veterans",
        _FOR + r"(armed forces |military |ex-?forces )?veterans(?=[.;:!?)]|$)",
        _FOR + r"(armed forces |military |ex-?forces )?veterans" + _WHO_ONLY,
        r"^(armed forces |military |ex-?forces )?veterans (aged|over|who|living)\b",
        r"(you must|must) have served in the (armed|british armed) forces",
        r"ex-service (men|personnel|people)( and women)? only",
    ),
}
# Words that name more than one group: no restriction from the clause that says them.
OTHERS_TOO = re.compile(
    r"\b(women|woman|ladies|females?) (and|or|&) (men|man|males?|gentlemen)\b"
    r"|\b(men|man|males?|gentlemen) (and|or|&) (women|woman|ladies|females?)\b"
    r"|\b(all|any) (genders?|sexes)\b|\bregardless of (gender|sex)\b"
    r"|\bcarers (and|or|&) (the (people|person)|those|their|people|families|cared)"
    r"|\b(and|or|&) (their )?carers\b"
    r"|\bveterans (and|or|&) (their )?(famil|partners|serving|spouses|the public)"
    r"|\b(and|or|&) (their )?allies\b"
    r"|\b(everyone|anyone|all) (is |are )?welcome\b|\bopen to (all|everyone|anyone)\b"
)
# Words that say the restriction holds only some of the time ("women only on Fridays", "a
# women's session on Monday") or that others come too ("men welcome on Tuesdays", "mixed
# sessions"): the clause, or with WELCOME the whole text, states no restriction.
SOME_OF_THE_TIME = re.compile(
    r"\b(mon|tues|wednes|thurs|fri|satur|sun)days?\b|\bsessions?\b|\bweeks?\b|\bevenings?\b"
    r"|\bmornings?\b|\bafternoons?\b"
)
WELCOME = re.compile(
    r"\b(men|women|males?|females?|everyone|anyone|all|others|partners|families)"
    r" (are |is )?(also |very |always )?welcome\b|\bmixed\b|\bfor anyone\b"
)
RESTRICTING = _compile(RESTRICTION_CUES)
# A name says a restriction only with "only" ("Women Only Swim"), never by being for people
# ("Support for Carers", "Men's Shed"): a name is not an eligibility.
# The first two cues of each list are its "X only" and "only for X".
NAMED_ONLY = _compile({says: cues[:2] for says, cues in RESTRICTION_CUES.items()})


def restrictions(
    texts: Iterable[str], cues: tuple[Cue, ...] = RESTRICTING, *, at_times: bool = False
) -> set[str]:
    """The restrictions (women_only, men_only, carers_only, lgbtq_only, veterans_only) the
    words state plainly; empty when they state none or are unclear. Read each text clause by
    clause: a clause that names other groups too ("women and men"), a negation ("not only
    for men") or a time ("women only on Fridays") states nothing, and a text that welcomes
    others ("men welcome on Tuesdays", "mixed sessions") states nothing at all; `at_times`
    reads those too (what a listing is for at some times, to see words for both sexes)."""
    found: set[str] = set()
    for raw in texts:
        text = _clean(raw)
        if WELCOME.search(text) and not at_times:  # others come too, some of the time
            continue
        for clause in re.split(r"[.;!?\n]", text):
            clause = clause.strip(" ,")
            if not clause or OTHERS_TOO.search(clause):
                continue
            if SOME_OF_THE_TIME.search(clause) and not at_times:
                continue
            found |= said(cues, [clause])
    if {"women_only", "men_only"} <= found:  # words for both: they exclude neither
        found -= {"women_only", "men_only"}
    return found


def stated_restrictions(record: dict[str, object]) -> set[str]:
    """Who alone an HSDS service record says it is for: by its eligibility, or by its name
    where the name says "only"."""
    eligibility, name = record.get("eligibility_description"), record.get("name")
    found = restrictions([eligibility] if isinstance(eligibility, str) else [])
    named = restrictions([name] if isinstance(name, str) else [], NAMED_ONLY)
    both = found | named
    # words for both sexes, even at some times only ("Women Only Swim"; "Men only on
    # Fridays"): neither is clear
    at_times = restrictions([eligibility] if isinstance(eligibility, str) else [], at_times=True)
    sexes = {"women_only", "men_only"}
    return both - sexes if sexes <= both | at_times else both


# A price in words ("£4.50 per meal", "50p a session"): a feed that gives its fees only in
# prose, with no cost option, is not free when the words name a price above nothing.
PRICE = re.compile(r"£\s?(\d+(?:[.,]\d+)?)|\b(\d+)p\b")


def names_a_price(text: str) -> bool:
    """Whether the words name a price above nothing ("£4.50 per meal"; not "£0" or "free")."""
    for found in PRICE.finditer(_clean(text)):
        amount = (found.group(1) or found.group(2)).replace(",", "")
        if float(amount) > 0:
            return True
    return False


def feed_words(record: dict[str, object]) -> list[str]:
    """The words of an HSDS service record that may say how to get in and how it runs:
    its application process, description, eligibility, alert, and its schedules' and
    locations' descriptions and attending types."""
    texts = [
        record.get(name)
        for name in ("application_process", "description", "eligibility_description", "alert")
    ]
    for schedule in _dicts(record.get("schedules")):
        texts += [schedule.get("attending_type"), schedule.get("description")]
    for link in _dicts(record.get("service_at_locations")):
        for schedule in _dicts(link.get("schedules")):
            texts += [schedule.get("attending_type"), schedule.get("description")]
    return [str(t) for t in texts if isinstance(t, str) and t.strip()]


def _dicts(value: object) -> list[dict[str, object]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


# NHS mental health pathways (catalogue.vocabulary.NHS_PATHWAYS) by the words that name a
# service of the kind: "NHS Talking Therapies", "IAPT", "CAMHS", "Community Mental Health
# Team", "Early Intervention in Psychosis". Read only in what names the service (its name,
# alternate name, its taxonomy terms and its organisation's name), never its description:
# a café's description may say "anxiety" or tell people how to refer themselves to NHS
# Talking Therapies without being either. The cues are names of services, not of needs:
# "eating disorder" alone, "crisis" alone or "talking therapy" is no pathway.
PATHWAY_CUES: dict[str, tuple[str, ...]] = {
    "talking_therapies": (
        r"talking therapies",
        r"iapt",
        r"improving access to psychological therap(y|ies)",
    ),
    "pcn_mhp": (
        r"(gp |practice |surgery |pcn |primary care )?mental health practitioners?",
        r"arrs mental health",
    ),
    "community_mental_health": (
        r"community mental health (teams?|services?|hubs?)",
        r"cmhts?",
    ),
    "crisis_home_treatment": (
        r"crisis (resolution )?(and|&) home treatment",
        r"home treatment( teams?| services?)?",
        r"(mental health |psychiatric )?crisis (resolution )?teams?",
        r"crhtt?",
    ),
    "crisis_line": (
        r"mental health (crisis|urgent help|support) ?(tele)?(phone )?lines?",
        r"nhs (24/7 |24 hour |urgent )?mental health (help)?lines?",
    ),
    "early_intervention_psychosis": (
        r"early intervention (in |for )?psychosis",
        r"first episode psychosis",
        r"psychosis (services?|teams?)",
        r"eips?",
    ),
    "children_young_people": (
        r"camhs",
        r"cypmhs",
        r"child(ren)?( and|,) (adolescent|young people'?s?) mental health( services?| teams?)?",
        r"children and young people'?s mental health",
    ),
    "youth_wellbeing": (
        r"youth (mental health and |mental health )?wellbeing (services?|offer|support)",
        r"mental health support teams? (in|for) (schools|education)",
    ),
    "eating_disorders": (
        r"eating disorders? (services?|teams?|units?|clinics?|pathway)",
        r"(nhs|adult|adults'?|child(ren)?'?s?|young people'?s|specialist|camhs) eating disorders?",
    ),
    "perinatal": (
        r"perinatal mental health",
        r"perinatal (services?|teams?)",
        r"maternal mental health (services?|teams?)",
        r"mother and baby units?",
    ),
}
PATHWAY_NAMES = _compile(PATHWAY_CUES)
# A name that says the listing is a community group about the subject ("Eating Disorders
# Support Group", "Perinatal Peer Support Café", "Food Crisis Team"): no pathway, unless it
# also says NHS.
COMMUNITY_NAME = re.compile(
    r"\b(peer support|support groups?|groups?|caf[eé]s?|drop[- ]?ins?|clubs?|coffee|walks?|"
    r"befriending|circles?|food|housing|debt|money|fuel|energy|financial|homeless(ness)?)\b"
)
NHS = re.compile(r"\bnhs\b")


def pathway(names: Iterable[str]) -> str:
    """The NHS mental health pathway the names of a service say it is (its own names
    first, then its organisation's), or "" for none: two pathways in one name are unclear,
    and so none; a service whose own name is a community group's ("Eating Disorders Support
    Group") is none, even when its organisation's name names a pathway."""
    for position, raw in enumerate(names):
        text = _clean(raw)
        if not text:
            continue
        if COMMUNITY_NAME.search(text) and not NHS.search(text):
            if position == 0:  # its own name says it is a community group: whoever runs it
                return ""
            continue
        found = said(PATHWAY_NAMES, [text])
        if len(found) > 1 and found == {"crisis_home_treatment", "crisis_line"}:
            found = {"crisis_line"}
        if len(found) == 1:
            return found.pop()
    return ""


def service_names(record: dict[str, object]) -> list[str]:
    """What names an HSDS service record, most its own first: its name, alternate name,
    the names of its taxonomy terms (as attributes or a plain list), then its
    organisation's name."""
    names: list[object] = [record.get("name"), record.get("alternate_name")]
    for item in _dicts(record.get("attributes")):
        term = item.get("taxonomy_term")
        if isinstance(term, dict):
            names += [term.get("name")]
    for term in _dicts(record.get("taxonomy_terms")):
        names += [term.get("name")]
    organisation = record.get("organization")
    if isinstance(organisation, dict):
        names.append(organisation.get("name"))
    return [str(n) for n in names if isinstance(n, str) and n.strip()]
