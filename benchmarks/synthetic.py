"""A synthetic Leeds catalogue for the search benchmark, built from the seed vocabulary.

Names, descriptions and keywords come from the needs taxonomy (`seed/needs.csv`: labels,
descriptions, synonyms) and the slang file (`seed/synonyms.csv`), mixed with plain sentences
of the kind real listings use. Sites sit around real Leeds neighbourhoods; about a fifth of
services are online or by phone only, with no site. The same seed gives the same catalogue,
and a smaller catalogue is the start of a larger one (the services come from one stream).

A real catalogue's vocabulary keeps growing with its size (street, venue and organisation
names), and typo correction searches that vocabulary, so each listing may also bring an
invented proper noun: about 80 x sqrt(services) distinct ones in all.

    from benchmarks.synthetic import catalogue
    facts = catalogue(20_000, seed=7)      # list[ServiceFacts]
"""

from __future__ import annotations

import csv
import math
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from directory.catalogue.seed_files import SEED as SEED_FOLDER
from directory.catalogue.seed_files import Need, read_needs
from directory.search.documents import OpeningSession, ServiceFacts
from matcher import facts

# Neighbourhood centres: the demo catalogue's own (seed/leeds/place.yaml, coordinates of
# their postcodes from the ONS directory) and outer Leeds, all within lat 53.74-53.87,
# lon -1.68 to -1.43.
AREAS: dict[str, tuple[float, float]] = {
    "City Centre": (53.8000, -1.5497),
    "Headingley": (53.8203, -1.5785),
    "Hyde Park": (53.8130, -1.5654),
    "Woodhouse": (53.8126, -1.5508),
    "Little London": (53.8095, -1.5444),
    "Meanwood": (53.8314, -1.5678),
    "Kirkstall": (53.8164, -1.5999),
    "Burley": (53.8106, -1.5813),
    "Armley": (53.7966, -1.5920),
    "Bramley": (53.8134, -1.6319),
    "Chapeltown": (53.8177, -1.5317),
    "Chapel Allerton": (53.8300, -1.5374),
    "Harehills": (53.8126, -1.5171),
    "Burmantofts": (53.8023, -1.5186),
    "Richmond Hill": (53.7910, -1.5253),
    "Gipton": (53.8107, -1.4911),
    "Seacroft": (53.8219, -1.4611),
    "Roundhay": (53.8400, -1.5037),
    "Moortown": (53.8476, -1.5494),
    "Beeston": (53.7724, -1.5692),
    "Holbeck": (53.7848, -1.5553),
    "Hunslet": (53.7796, -1.5276),
    "Horsforth": (53.8406, -1.6385),
    "Pudsey": (53.7960, -1.6610),
    "Farsley": (53.8120, -1.6720),
    "Morley": (53.7460, -1.5990),
    "Middleton": (53.7480, -1.5480),
    "Belle Isle": (53.7600, -1.5350),
    "Rothwell": (53.7490, -1.4790),
    "Halton": (53.7960, -1.4660),
    "Cross Gates": (53.8060, -1.4510),
    "Whinmoor": (53.8330, -1.4500),
    "Oakwood": (53.8270, -1.5110),
    "Alwoodley": (53.8640, -1.5370),
    "Adel": (53.8560, -1.5850),
    "Wortley": (53.7890, -1.5980),
}
# The postcode district of each inner neighbourhood's centre, for services that serve a
# few districts only (as the demo's Chapeltown lunch club serves LS7 and LS8).
DISTRICTS: dict[str, str] = {
    "City Centre": "LS1",
    "Headingley": "LS6",
    "Hyde Park": "LS6",
    "Woodhouse": "LS6",
    "Little London": "LS7",
    "Meanwood": "LS6",
    "Kirkstall": "LS5",
    "Burley": "LS4",
    "Armley": "LS12",
    "Bramley": "LS13",
    "Chapeltown": "LS7",
    "Chapel Allerton": "LS7",
    "Harehills": "LS8",
    "Burmantofts": "LS9",
    "Richmond Hill": "LS9",
    "Gipton": "LS9",
    "Seacroft": "LS14",
    "Roundhay": "LS8",
    "Moortown": "LS17",
    "Beeston": "LS11",
    "Holbeck": "LS11",
    "Hunslet": "LS10",
}
LEEDS = "E08000035"
LAT_RANGE = (53.74, 53.87)
LON_RANGE = (-1.68, -1.43)
# Inner neighbourhoods hold more services than the outer ones.
AREA_WEIGHTS = [3 if i < 22 else 1 for i in range(len(AREAS))]

# Words that name a service for each need, as they appear in real listings' names.
NAME_WORDS: dict[str, list[str]] = {
    "loneliness": ["Friendship", "Befriending", "Good Company", "Social", "Lunch Club", "Chatter"],
    "low_mood": ["Wellbeing", "Mental Health", "Talking", "Listening", "Peer Support", "Mood"],
    "stress_anxiety": ["Anxiety", "Stress", "Calm", "Mindfulness", "Worry", "Panic"],
    "money_debt": ["Money", "Debt", "Budgeting", "Money Advice", "Debt Advice"],
    "benefits": ["Benefits", "Welfare Rights", "Universal Credit", "PIP", "Forms"],
    "housing": ["Housing", "Tenancy", "Homelessness", "Renters", "Housing Advice"],
    "food": ["Food", "Pantry", "Community Larder", "Food Bank", "Community Meal"],
    "energy_bills": ["Warm Homes", "Energy", "Fuel", "Warm Space"],
    "work_skills": ["Jobs", "Employment", "CV", "Skills", "Training"],
    "school_college": ["Homework", "Revision", "Exam", "Study", "Learning"],
    "getting_active": [
        "Walking",
        "Football",
        "Yoga",
        "Fitness",
        "Swimming",
        "Boxing",
        "Chair Exercise",
    ],
    "healthy_eating_weight": ["Cooking", "Healthy Eating", "Weight", "Cook and Eat"],
    "long_term_condition": [
        "Diabetes",
        "Pain",
        "COPD",
        "Arthritis",
        "Self Management",
        "Breathe Easy",
    ],
    "carers": ["Carers", "Young Carers", "Carers' Break", "Carers' Cafe"],
    "bereavement": ["Bereavement", "Grief", "Loss", "Grief Cafe"],
    "alcohol_drugs_gambling": ["Recovery", "Alcohol", "Gambling", "Drugs", "Sober"],
    "domestic_abuse": ["Domestic Abuse", "Safety", "Freedom", "Survivors"],
    "getting_online": ["Digital", "Computer", "Tech", "Online", "Get Online"],
    "arts_creativity_learning": ["Art", "Craft", "Choir", "Music", "Drama", "Creative Writing"],
    "nature_green": ["Gardening", "Allotment", "Growing", "Nature", "Green Gym"],
    "volunteering": ["Volunteer", "Volunteering", "Time Bank"],
    "getting_about": ["Transport", "Community Transport", "Dial-a-Ride", "Wheels"],
    "legal_rights": ["Legal", "Immigration", "Law", "Rights", "Asylum"],
    "parenting_family": ["Parents", "Family", "Baby", "Toddler", "Dads", "Mums"],
    "english_language": ["ESOL", "English", "Conversation", "English Language"],
    "lgbtq": ["LGBTQ+", "Rainbow", "Pride", "Trans", "Queer"],
    "neurodiversity": ["Autism", "ADHD", "Neurodiverse", "Sensory", "Dyslexia"],
    "young_people": ["Youth", "Teen", "Young People's", "Youth Club"],
    "older_people": ["Over 50s", "Older People's", "Memory", "Dementia", "Silver"],
    "faith_culture": ["Community", "Heritage", "Faith", "Cultural", "Interfaith"],
    "urgent_mental_health_crisis": ["Crisis", "Safe Haven", "Sanctuary", "Crisis Line"],
}
# Needs that often come together in one service.
RELATED: dict[str, list[str]] = {
    "loneliness": ["older_people", "low_mood", "young_people"],
    "low_mood": ["stress_anxiety", "loneliness"],
    "stress_anxiety": ["low_mood", "school_college"],
    "money_debt": ["benefits", "energy_bills", "housing"],
    "benefits": ["money_debt", "legal_rights"],
    "housing": ["money_debt", "benefits"],
    "food": ["money_debt", "healthy_eating_weight"],
    "energy_bills": ["money_debt"],
    "school_college": ["young_people", "stress_anxiety"],
    "carers": ["low_mood", "young_people"],
    "bereavement": ["low_mood", "loneliness"],
    "english_language": ["legal_rights", "work_skills"],
    "young_people": ["school_college", "stress_anxiety", "lgbtq"],
    "older_people": ["loneliness", "getting_active"],
}
# Services for urgent crises and abuse are rare, as in real directories.
NEED_WEIGHT = {"urgent_mental_health_crisis": 0.3, "domestic_abuse": 0.6, "lgbtq": 0.6}

IN_PERSON_KINDS = [
    "Group",
    "Club",
    "Drop-in",
    "Cafe",
    "Hub",
    "Project",
    "Sessions",
    "Clinic",
    "Circle",
    "Support",
    "Service",
    "Advice",
]
REMOTE_KINDS = ["Line", "Helpline", "Advice", "Online", "Chat", "Support", "Service"]
ORG_KINDS = [
    "Trust",
    "Project",
    "Network",
    "CIC",
    "Association",
    "Partnership",
    "Foundation",
    "Community Association",
    "Together",
    "Centre",
]
FIRST_NAMES = [
    "Mary",
    "Ellen",
    "Joseph",
    "Ada",
    "Samuel",
    "Grace",
    "Arthur",
    "Nora",
    "Walter",
    "Edith",
    "Harold",
    "Irene",
    "Frank",
    "Iqbal",
    "Amrit",
    "Zofia",
    "Kwame",
    "Leila",
]
SURNAMES = [
    "Hartley",
    "Sumner",
    "Barran",
    "Kitson",
    "Wade",
    "Thoresby",
    "Marsden",
    "Ackroyd",
    "Holroyd",
    "Firth",
    "Crossley",
    "Akhtar",
    "Kaur",
    "Nowak",
    "Mensah",
    "Haddad",
]
VENUES = [
    "Community Centre",
    "Library",
    "Methodist Church",
    "Baptist Church",
    "Mosque",
    "Gurdwara",
    "Sports Centre",
    "Children's Centre",
    "Village Hall",
    "Community Hub",
    "Leisure Centre",
    "Medical Centre",
    "Parish Hall",
    "Neighbourhood Centre",
]
STREET_KINDS = ["Road", "Street", "Lane", "Avenue", "Terrace", "Grove", "Place", "Way"]

AUDIENCES = [
    "anyone who lives in Leeds",
    "adults",
    "local people",
    "residents",
    "families",
    "people of all ages",
    "anyone aged 18 or over",
    "people and their families",
    "women",
    "men",
    "young people",
    "people in later life",
    "students",
    "newcomers",
]
OPENERS = [
    "A {adj} {kind} for {audience} in {area}, {summary_need}.",
    "{Adj} {topic} {kind} in {area} for {audience}.",
    "Free {topic} support for {audience}: {summary_need}.",
    "Help with {syn1}, {syn2} and {syn3}, by {how}.",
    "Come along if you are {feeling}: {summary_need}.",
]
PLAIN = [
    "You can just turn up; there is no need to book.",
    "Call or email to book a first appointment.",
    "Sessions are run by trained staff and volunteers.",
    "Tea, coffee and biscuits are provided.",
    "Bring a friend if you like.",
    "Interpreters can be arranged if you ask when you book.",
    "We can help you fill in forms and make phone calls.",
    "There is a small charge for materials, waived if you cannot pay.",
    "Our volunteers have lived experience and know what it is like.",
    "A GP, social prescriber or link worker can refer you, or you can refer yourself.",
    "Everything you tell us is confidential.",
    "We are a small charity run mostly by volunteers.",
    "Children are welcome with a parent or guardian.",
    "We can visit you at home if you cannot get out.",
    "Wheelchair users are welcome; please tell us what you need.",
    "Sessions last about an hour and a half.",
    "We also signpost to other services in the city.",
    "Parking is limited, and buses stop outside.",
]
TOPIC_SENTENCES = [
    "Ask us about {syn1} and {syn2}.",
    "Many people come to us about {syn1}, {syn2} or {syn3}.",
    "If you are worried about {syn1}, talk to us.",
    "Our {topic} workers know about {means1} and {means2}.",
    "Visitors tell us they come for the {means1} and stay for the company.",
    "{Need_description}.",
    "We run {topic} sessions and one-to-one {means1} sessions.",
]
ADJECTIVES = [
    "friendly",
    "welcoming",
    "relaxed",
    "small",
    "weekly",
    "free",
    "confidential",
    "informal",
    "peer-led",
    "volunteer-led",
]
HOWS = ["phone", "video call", "email", "web chat", "text"]
FEELINGS = [
    "feeling low",
    "on your own",
    "worried",
    "stressed",
    "struggling",
    "new to the area",
    "looking for something to do",
    "finding things hard",
]
# Ages: (minimum, maximum) and how often each appears when the need does not decide.
AGE_BANDS = [((None, None), 50), ((18, None), 25), ((11, 18), 10), ((16, 25), 8), ((50, None), 7)]
LANGUAGE_CODES = [
    "ur",
    "pa",
    "pl",
    "ar",
    "ro",
    "so",
    "bn",
    "ku",
    "fa",
    "zh",
    "ti",
    "cs",
    "sk",
    "gu",
    "ta",
    "pt",
    "es",
    "uk",
    "ru",
]
ACCESS_ODDS = {
    "step_free": 0.6,
    "accessible_toilet": 0.45,
    "hearing_loop": 0.2,
    "bsl": 0.08,
    "quiet_space": 0.15,
    "parking": 0.3,
    "lift": 0.15,
    "baby_change": 0.15,
    "large_print": 0.1,
    "guide_dogs": 0.2,
}
WEEKDAYS = list(facts.WEEKDAYS)
WEEKEND = list(facts.WEEKEND)
# Opening times: (opens, closes) and how often.
DAY_TIMES = [
    (("09:30", "12:00"), 4),
    (("10:00", "14:00"), 3),
    (("13:00", "16:00"), 3),
    (("09:00", "17:00"), 3),
    (("15:30", "17:30"), 1),
    (("18:00", "20:00"), 2),
    (("19:00", "21:00"), 1),
    (("17:30", "19:30"), 1),
]
LINE_TIMES = [
    (("09:00", "17:00"), 5),
    (("10:00", "16:00"), 2),
    (("18:00", "22:00"), 2),
    (("00:00", "23:59"), 1),
    (("08:00", "20:00"), 2),
]

ONSETS = [
    "b",
    "br",
    "c",
    "ch",
    "d",
    "f",
    "g",
    "gr",
    "h",
    "k",
    "l",
    "m",
    "n",
    "p",
    "r",
    "s",
    "sh",
    "st",
    "t",
    "th",
    "v",
    "w",
    "y",
    "z",
]
VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "ou", "oo"]
CODAS = [
    "",
    "",
    "n",
    "r",
    "l",
    "m",
    "s",
    "th",
    "ck",
    "nd",
    "rn",
    "st",
    "wick",
    "ley",
    "by",
    "ton",
    "ham",
    "dale",
]


@dataclass(frozen=True)
class Phrase:
    """One row of synonyms.csv."""

    phrase: str
    means: list[str]
    needs: list[str]


def read_phrases() -> list[Phrase]:
    with (SEED_FOLDER / "synonyms.csv").open(newline="", encoding="utf-8") as f:
        return [
            Phrase(
                row["phrase"],
                row["means"].split(),
                [n.strip() for n in row["needs"].split(";") if n.strip()],
            )
            for row in csv.DictReader(f)
        ]


class _Words:
    """Invented proper nouns (streets, venues, organisations): a pool that keeps growing."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.pool: list[str] = []
        self.seen: set[str] = set()

    def _new(self) -> str:
        while True:
            word = "".join(
                self.rng.choice(ONSETS) + self.rng.choice(VOWELS)
                for _ in range(self.rng.choice((1, 2, 2, 3)))
            ) + self.rng.choice(CODAS)
            if len(word) >= 4 and word not in self.seen:
                self.seen.add(word)
                self.pool.append(word)
                return word.capitalize()

    def pick(self, listing_number: int) -> str:
        """New with falling odds (Heaps' law, ~80 sqrt(n) in all), otherwise a familiar one."""
        if not self.pool or self.rng.random() < min(1.0, 40 / math.sqrt(listing_number + 1)):
            return self._new()
        # Zipf-like reuse: the early words are the common ones.
        index = int(len(self.pool) * self.rng.random() ** 2)
        return self.pool[index].capitalize()


class _Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.needs = {n.id: n for n in read_needs()}
        self.need_ids = list(self.needs)
        self.need_weights = [NEED_WEIGHT.get(n, 1.0) for n in self.need_ids]
        self.phrases = read_phrases()
        self.means: dict[str, list[str]] = {n: [] for n in self.need_ids}
        for phrase in self.phrases:
            for code in phrase.needs:
                if code in self.means:
                    self.means[code] += [w for w in phrase.means if w not in self.means[code]]
        self.areas = list(AREAS)
        self.words = _Words(self.rng)
        # Who each service serves comes from a stream of its own, so that the rest of
        # the catalogue is the same as before services had areas.
        self.area_rng = random.Random(seed * 7919 + 1)
        self.count = 0

    # --- small helpers --------------------------------------------------------

    def weighted(self, pairs: list[tuple[object, int]]) -> object:
        values, weights = zip(*pairs, strict=True)
        return self.rng.choices(values, weights=weights)[0]

    def area(self) -> str:
        return self.rng.choices(self.areas, weights=AREA_WEIGHTS)[0]

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def synonyms(self, need: Need, k: int) -> list[str]:
        pool = need.synonyms or [need.label.lower()]
        if len(pool) >= k:
            return self.rng.sample(pool, k)
        return [self.rng.choice(pool) for _ in range(k)]

    def two(self, pool: list[str]) -> list[str]:
        """Two different words from the pool, when it has two."""
        return self.rng.sample(pool, 2) if len(pool) >= 2 else pool * 2

    # --- organisations and services --------------------------------------------

    def organisation(self) -> tuple[str, str, str]:
        """(name, home area, main need)."""
        main = self.rng.choices(self.need_ids, weights=self.need_weights)[0]
        home = self.area()
        style = self.rng.random()
        if style < 0.35:
            name = f"{home} {self.rng.choice(NAME_WORDS[main])} {self.rng.choice(ORG_KINDS)}"
        elif style < 0.6:
            name = f"{self.words.pick(self.count)} {self.rng.choice(ORG_KINDS)}"
        elif style < 0.75:
            name = f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(SURNAMES)} Trust"
        elif style < 0.9:
            name = f"{self.rng.choice(NAME_WORDS[main])} Leeds"
        else:
            name = f"{home} {self.rng.choice(VENUES)}"
        return name, home, main

    def service(self, organisation: str, home: str, main: str) -> ServiceFacts:
        self.count += 1
        rng = self.rng
        first = main if rng.random() < 0.6 else rng.choices(self.need_ids, self.need_weights)[0]
        codes = [first]
        for _ in range(rng.choice((0, 1, 1, 2))):
            extra = rng.choice(RELATED.get(first, self.need_ids))
            if extra not in codes:
                codes.append(extra)
        needs = [self.needs[c] for c in codes]
        remote = rng.random() < 0.2
        area = home if rng.random() < 0.6 else self.area()
        name = self.name(needs[0], area, remote)
        summary, description = self.text(needs, area, remote, name)
        keywords = self.keywords(needs)
        minimum, maximum = self.ages(codes)
        sites = () if remote else self.sites(area)
        modes = self.modes(remote)
        return ServiceFacts(
            id=self.uuid(),
            name=name,
            organisation=organisation,
            summary=summary,
            description=description,
            needs=tuple(codes),
            need_words=" ".join([n.label for n in needs] + [s for n in needs for s in n.synonyms]),
            keywords=tuple(keywords),
            modes=modes,
            free=rng.random() < 0.75,
            self_referral=rng.random() < 0.65,
            minimum_age=minimum,
            maximum_age=maximum,
            languages=self.languages(),
            access=() if remote else self.access(len(sites)),
            sites=sites,
            areas=self.served(area, bool(sites)),
            sessions=self.sessions(remote),
            stamp=f"1:2026-01-{1 + self.count % 28:02d}T09:00:00",
        )

    def served(self, area: str, has_sites: bool) -> tuple[facts.Area, ...]:
        """Who a service serves, about as in the demo catalogue: mostly Leeds, some a few
        postcode districts or a radius of their venues, a tenth anyone."""
        rng = self.area_rng
        kinds = ["local_authority", "districts", "radius", "national"]
        kind = rng.choices(kinds, [63, 14, 10, 13])[0]
        if kind == "districts" and area in DISTRICTS:
            others = rng.sample(sorted(set(DISTRICTS.values())), rng.choice((0, 1, 2)))
            codes = tuple(dict.fromkeys([DISTRICTS[area], *others]))
            return (facts.Area("districts", codes, name="Postcode districts " + ", ".join(codes)),)
        if kind == "radius" and has_sites:
            miles = float(rng.choice((1, 2, 3, 5)))
            return (facts.Area("radius", miles=miles),)
        if kind == "national":
            return (facts.Area("national", name="Anywhere in the UK"),)
        return (facts.Area("local_authority", (LEEDS,), name="Leeds"),)

    def name(self, need: Need, area: str, remote: bool) -> str:
        rng = self.rng
        word = rng.choice(NAME_WORDS[need.id])
        kind = rng.choice(REMOTE_KINDS if remote else IN_PERSON_KINDS)
        style = rng.random()
        if remote:
            if style < 0.5:
                return f"{word} {kind}"
            return f"{self.words.pick(self.count)} {word} {kind}"
        if style < 0.5:
            return f"{area} {word} {kind}"
        if style < 0.7:
            return f"{word} {kind}"
        if style < 0.85:
            return f"{self.words.pick(self.count)} {word} {kind}"
        return f"{word} {kind} at {area} {rng.choice(VENUES)}"

    def text(self, needs: list[Need], area: str, remote: bool, name: str) -> tuple[str, str]:
        rng = self.rng
        need = needs[0]
        means = self.two(self.means.get(need.id) or need.label.lower().split())
        syn = self.synonyms(need, 3)
        fill = {
            "adj": rng.choice(ADJECTIVES),
            "Adj": rng.choice(ADJECTIVES).capitalize(),
            "kind": "line" if remote else rng.choice(["group", "drop-in", "club", "service"]),
            "audience": rng.choice(AUDIENCES),
            "area": area,
            "summary_need": need.description[0].lower() + need.description[1:],
            "topic": rng.choice(NAME_WORDS[need.id]).lower(),
            "syn1": syn[0],
            "syn2": syn[1],
            "syn3": syn[2],
            "how": rng.choice(HOWS),
            "feeling": rng.choice(FEELINGS),
            "means1": means[0],
            "means2": means[-1],
            "Need_description": need.description,
        }
        summary = rng.choice(OPENERS).format(**fill)
        sentences = []
        for other in needs:
            other_means = self.two(self.means.get(other.id) or other.label.lower().split())
            other_syn = self.synonyms(other, 3)
            fill.update(
                syn1=other_syn[0],
                syn2=other_syn[1],
                syn3=other_syn[2],
                means1=other_means[0],
                means2=other_means[1],
                topic=rng.choice(NAME_WORDS[other.id]).lower(),
                Need_description=other.description,
            )
            sentences += [s.format(**fill) for s in rng.sample(TOPIC_SENTENCES, 2)]
        sentences += rng.sample(PLAIN, rng.randint(2, 4))
        place = self.words.pick(self.count)
        if remote:
            sentences.append(f"Based at {place} House, we answer calls from across the country.")
        else:
            street = f"{place} {rng.choice(STREET_KINDS)}"
            sentences.append(f"We meet at the {rng.choice(VENUES)} on {street}, {area}.")
        rng.shuffle(sentences)
        return summary, " ".join(sentences)

    def keywords(self, needs: list[Need]) -> list[str]:
        rng = self.rng
        pool = [s for n in needs for s in n.synonyms] + [
            m for n in needs for m in self.means.get(n.id, [])
        ]
        chosen = rng.sample(pool, min(len(pool), rng.randint(2, 5)))
        return list(dict.fromkeys(chosen))

    def ages(self, codes: list[str]) -> tuple[int | None, int | None]:
        if "young_people" in codes or "school_college" in codes:
            return self.weighted([((11, 18), 5), ((16, 25), 3), ((11, 25), 2)])  # type: ignore[return-value]
        if "older_people" in codes:
            return (50, None) if self.rng.random() < 0.7 else (60, None)
        return self.weighted(AGE_BANDS)  # type: ignore[return-value]

    def sites(self, area: str) -> tuple[tuple[float, float], ...]:
        rng = self.rng
        count = self.weighted([(1, 70), (2, 20), (3, 10)])
        found = []
        for i in range(count):  # type: ignore[call-overload]
            centre = AREAS[area] if i == 0 else AREAS[self.area()]
            lat = min(max(centre[0] + rng.gauss(0, 0.006), LAT_RANGE[0]), LAT_RANGE[1])
            lon = min(max(centre[1] + rng.gauss(0, 0.01), LON_RANGE[0]), LON_RANGE[1])
            found.append((round(lat, 5), round(lon, 5)))
        return tuple(found)

    def modes(self, remote: bool) -> tuple[str, ...]:
        rng = self.rng
        if remote:
            return self.weighted([(("phone",), 4), (("online",), 3), (("online", "phone"), 3)])  # type: ignore[return-value]
        modes = ["in_person"]
        if rng.random() < 0.3:
            modes.append("phone")
        if rng.random() < 0.15:
            modes.append("online")
        return tuple(modes)

    def languages(self) -> tuple[str, ...]:
        rng = self.rng
        roll = rng.random()
        if roll < 0.1:
            return ()
        codes = ["en"]
        if roll > 0.8:
            codes += rng.sample(LANGUAGE_CODES, rng.randint(1, 3))
        return tuple(codes)

    def access(self, sites: int) -> tuple[str, ...]:
        rng = self.rng
        found = {f for _ in range(sites) for f, odds in ACCESS_ODDS.items() if rng.random() < odds}
        return tuple(sorted(found))

    def sessions(self, remote: bool) -> tuple[OpeningSession, ...]:
        rng = self.rng
        if rng.random() < 0.1:
            return ()
        if remote:
            opens, closes = self.weighted(LINE_TIMES)  # type: ignore[misc]
            days = WEEKDAYS + (WEEKEND if rng.random() < 0.4 else [])
            return (OpeningSession(tuple(days), opens, closes),)
        found = []
        for _ in range(self.weighted([(1, 6), (2, 3), (3, 1)])):  # type: ignore[call-overload]
            weekend = rng.random() < 0.18
            day = rng.choice(WEEKEND if weekend else WEEKDAYS)
            days = (day,) if rng.random() < 0.75 else tuple(sorted({day, rng.choice(WEEKDAYS)}))
            opens, closes = self.weighted(DAY_TIMES)  # type: ignore[misc]
            found.append(OpeningSession(days, opens, closes))
        return tuple(found)


def organisations(seed: int = 7) -> Iterator[tuple[str, list[ServiceFacts]]]:
    """An endless, deterministic stream of organisations, each (name, its services)."""
    generator = _Generator(seed)
    while True:
        organisation, home, main = generator.organisation()
        count = generator.weighted([(1, 4), (2, 3), (3, 3), (4, 2), (6, 1), (10, 1)])
        yield organisation, [generator.service(organisation, home, main) for _ in range(count)]  # type: ignore[call-overload]


def services(seed: int = 7) -> Iterator[ServiceFacts]:
    """An endless, deterministic stream of services, organisation by organisation."""
    for _name, found in organisations(seed):
        yield from found


def catalogue(size: int, seed: int = 7) -> list[ServiceFacts]:
    """The first `size` services of the stream for this seed."""
    stream = services(seed)
    return [next(stream) for _ in range(size)]
