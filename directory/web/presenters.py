"""How listing facts read to a person: plain-English phrases for the templates."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlencode

import phonenumbers
from flask import Flask
from markupsafe import Markup, escape

from directory import safety
from directory.catalogue import published, vocabulary
from directory.clock import now as clock_now
from directory.clock import stale_before
from directory.clock import today as clock_today
from directory.models import Capacity, Location, Schedule, Service
from directory.safety import CrisisContact, CrisisPanel
from directory.search.results import ResolvedPlace
from matcher import opening, words
from matcher.distance import miles_between
from matcher.facts import DAYS
from matcher.rules import area_words

# Crisis contacts are reached by phone, text or a web page; nothing else goes in a link.
CONTACT_SCHEMES = ("tel:", "sms:", "https:")
OPENSTREETMAP = "https://www.openstreetmap.org/"
POSSIBLE = phonenumbers.Leniency.POSSIBLE


def age_range(service: Service) -> str:
    """'Ages 16 to 25', '18 and over', 'Up to 18', or 'All ages'."""
    low, high = service.minimum_age, service.maximum_age
    if low is not None and high is not None:
        return f"Ages {low} to {high}"
    if low is not None:
        return f"Ages {low} and over"
    if high is not None:
        return f"Up to age {high}"
    return "All ages"


def cost(service: Service) -> str:
    """'Free', or the price and its terms."""
    if service.is_free:
        return "Free"
    parts = []
    for option in service.cost_options:
        price = f"£{option.amount:.2f}" if option.amount is not None else ""
        text = " ".join(p for p in (price, option.option) if p)
        if option.amount_description:
            text = f"{text}. {option.amount_description}" if text else option.amount_description
        parts.append(text)
    return "; ".join(parts) or service.fees_description or "There is a cost: ask the service"


def opening_time(schedule: Schedule) -> str:
    """'Monday and Wednesday, 10am to 12pm', and a seasonal session's season: ', from 20
    July to 28 August 2026'."""
    text = f"{day_list(schedule.days)}, {clock(schedule.opens_at)} to {clock(schedule.closes_at)}"
    return text + season(schedule.valid_from, schedule.valid_to)


def season(first: date | None, last: date | None) -> str:
    """', from 20 July to 28 August 2026', ', from 20 July 2026', ', until 28 August 2026' or
    '' for a session that runs all year."""
    if first and last:
        return f", from {day_month(first, last.year != first.year)} to {long_date(last)}"
    if first:
        return f", from {long_date(first)}"
    if last:
        return f", until {long_date(last)}"
    return ""


def closure_words(starts: date, ends: date, reason: str) -> str:
    """'Closed 24 December 2026 to 5 January 2027 (Christmas break)', 'Closed on 1 March
    2027'."""
    if starts == ends:
        text = f"Closed on {long_date(starts)}"
    else:
        text = f"Closed {day_month(starts, starts.year != ends.year)} to {long_date(ends)}"
    return f"{text} ({reason})" if reason else text


def long_date(day: date) -> str:
    """'5 January 2027'."""
    return words.day_month(day, with_year=True)


day_month = words.day_month


def closures(service: Service, today: date | None = None) -> list[str]:
    """The closures not yet over, in words: 'Closed 24 December 2026 to 5 January 2027
    (Christmas break)', 'Closed on 1 May 2027 (Staff training)'; and 'Closed on bank
    holidays' for a service that is."""
    today = today or clock_today()
    found = [closure_words(c.starts, c.ends, c.reason) for c in service.closures if c.ends >= today]
    if service.closed_on_bank_holidays:
        found.append("Closed on bank holidays")
    return found


def day_list(codes: list[str]) -> str:
    """'Every day', 'Monday to Friday', 'Tuesday and Thursday' from RFC 5545 day codes."""
    order = list(vocabulary.DAYS)
    known = sorted((c for c in codes if c in vocabulary.DAYS), key=order.index)
    if len(known) == 7:
        return "Every day"
    names = [vocabulary.DAYS[c] for c in known]
    positions = [order.index(c) for c in known]
    if len(known) >= 3 and positions == list(range(positions[0], positions[-1] + 1)):
        return f"{names[0]} to {names[-1]}"
    if len(names) > 1:
        return ", ".join(names[:-1]) + " and " + names[-1]
    return "".join(names)


def clock(hhmm: str) -> str:
    """'09:30' -> '9:30am', '18:00' -> '6pm', '12:00' -> 'midday' (NHS style)."""
    hours, minutes = (int(x) for x in hhmm.split(":"))
    if minutes == 0 and hours in (0, 12):
        return "midnight" if hours == 0 else "midday"
    suffix = "am" if hours < 12 else "pm"
    shown = hours % 12 or 12
    return f"{shown}{suffix}" if minutes == 0 else f"{shown}:{minutes:02d}{suffix}"


def when_open(service: Service, now: datetime | None = None) -> str:
    """'Open now until 4pm', 'Opens today at 2pm', 'Opens tomorrow at 10am', 'Opens Tuesday
    at 10am', 'Opens next Monday at 10am', 'Opens Tuesday 6 January at 10am' or 'Open 24
    hours', in London time, from the weekly sessions, their seasons and the closures
    (matcher/opening.py), with the deciding session's note ('(Term time only)'); a closure
    today comes first: 'Closed until 5 January (Christmas break). Opens Tuesday 6 January at
    10am'. '' when the service has no regular hours."""
    now = now or clock_now()
    schedules = list(service.schedules)
    found = opening.next_opening(
        published.sessions_of(service), now, published.closures_of(service)
    )
    if found is None:
        return ""
    if found.open_now:
        text = (
            "Open 24 hours"
            if found.at is None
            else f"Open now until {_moment(found.at, now, at_end=True)}"
        )
    elif found.at is None:
        text = "No opening times coming up"
    else:
        # after a closure, the day it opens again by its date: "Tuesday 6 January"
        text = f"Opens {_moment(found.at, now, dated=found.closed_for is not None)}"
    note = schedules[found.session].notes if found.session >= 0 else ""
    text = f"{text} ({note})" if note else text
    closure = found.closed_for
    if closure is None:
        return text
    shut = (
        "Closed today" if closure.ends == now.date() else f"Closed until {day_month(closure.ends)}"
    )
    shut = f"{shut} ({closure.reason})" if closure.reason else shut
    return f"{shut}. {text[0].upper()}{text[1:]}" if found.at is not None else shut


def _moment(moment: datetime, now: datetime, *, at_end: bool = False, dated: bool = False) -> str:
    """'today at 2pm', 'tomorrow at 10am', 'Tuesday at 10am', 'next Monday at 10am', and
    further off 'Tuesday 6 January at 10am'; a closing time today is just '4pm', then '2am
    tomorrow' or 'Saturday at 2am'."""
    days = (moment.date() - now.date()).days
    time = clock(f"{moment.hour:02d}:{moment.minute:02d}")
    if at_end and days in (0, 1):
        return time if days == 0 else f"{time} tomorrow"
    if days > 7 or (dated and days > 1):
        later = day_month(moment.date(), moment.year != now.year and days > 300)
        return f"{_day(moment)} {later} at {time}"
    when = {0: "today", 1: "tomorrow", 7: f"next {_day(moment)}"}.get(days, _day(moment))
    return f"{when} at {time}"


def _day(moment: datetime) -> str:
    return vocabulary.DAYS[DAYS[moment.weekday()]]


def capacity(service: Service) -> str:
    text = vocabulary.CAPACITY[service.capacity]
    if service.capacity == Capacity.WAITING_LIST and service.waiting_weeks:
        text += f" of about {service.waiting_weeks} weeks"
    return text


def last_checked(service: Service, today: date | None = None) -> str:
    """'Last checked 14 September 2026', with how long ago when it is stale; an imported
    listing nobody here has checked says where its date came from: 'Last checked: from
    Leeds Directory, updated 3 May 2026'."""
    if service.last_verified is None:
        return "Not yet checked by the organisation"
    shown = long_date(service.last_verified)
    if service.checked_source:
        shown = f"{service.checked_source} {shown}"
    stale = past_check_date(service, today)
    if stale:
        return f"{stale} ({shown}): details may have changed"
    return f"Last checked: {shown}" if service.checked_source else f"Last checked {shown}"


def past_check_date(service: Service, today: date | None = None) -> str:
    """'Last checked 18 months ago' for a listing past its check date (STALE_AFTER_DAYS, as
    search judges it when it ranks such listings lower), 'Not yet checked' for one never
    checked; '' for one checked since."""
    if service.last_verified is None:
        return "Not yet checked"
    today = today or clock_today()
    if service.last_verified >= stale_before(today):
        return ""
    return f"Last checked {words.ago(service.last_verified, today)}"


def delivery(service: Service) -> str:
    return ", ".join(vocabulary.DELIVERY[d] for d in service.delivery)


ROUTES_UNKNOWN = "Ask the service how to get in"


def referral_routes(service: Service) -> list[str]:
    """Who can refer, in words; for a listing whose routes nobody has said (an import
    found no words for them), 'Ask the service how to get in'."""
    if not service.routes_known and not service.referral_routes:
        return [ROUTES_UNKNOWN]
    return [vocabulary.REFERRAL_ROUTES[r] for r in service.referral_routes]


def refer_yourself(service: Service) -> str:
    """'Yes' or 'No' for a card, or 'Ask the service how to get in' when nobody has said."""
    if not service.routes_known and not service.referral_routes:
        return ROUTES_UNKNOWN
    return "Yes" if service.self_referral else "No"


def pathway_words(service: Service) -> str:
    """The NHS mental health pathway a listing is, in words ('NHS Talking Therapies');
    '' for a community listing."""
    found = vocabulary.NHS_PATHWAYS.get(service.pathway)
    return found[0] if found else ""


def care_level_words(service: Service) -> str:
    """Where a pathway listing sits, in words ('Specialist NHS mental health care'); ''
    when no level is given. Shown, never decided: Signpost does not triage."""
    return vocabulary.CARE_LEVELS[service.care_level] if service.care_level else ""


def restrictions(service: Service) -> list[str]:
    return [vocabulary.RESTRICTIONS.get(r, r) for r in service.restrictions]


def only_for_area(service: Service) -> str:
    """'Only for people in Leeds' (or in LS6 or LS7, or within 3 miles of where it runs);
    '' for a service anyone may use. The matcher's words, so the card and a link worker's
    reason agree."""
    areas = published.areas_served(service)
    if not areas or any(area.kind == "national" for area in areas):
        return ""
    return "Only for people " + words.join([area_words(area) for area in areas], last="or")


def other_areas(count: int) -> str:
    """'3 more services only for other areas': matches left out for where someone lives."""
    return f"{count} more {'service' if count == 1 else 'services'} only for other areas"


def languages(service: Service) -> str:
    return ", ".join(language.name for language in service.languages)


def distance_away(miles: float | None) -> str:
    """'1.2 miles away', '1 mile away', 'Less than 0.1 miles away'; '' when unknown. The
    words are the matcher's, so a venue is as far away on every page."""
    if miles is None:
        return ""
    phrase = words.miles(miles)
    return f"{phrase[0].upper()}{phrase[1:]} away"


def distance_from(place: ResolvedPlace | None, location: Location) -> str:
    """'1.2 miles from LS6 1AA': how far a venue is from the place someone searched from, in
    the words and to the tenth that search shows; '' when either is not on the map."""
    if place is None or location.latitude is None or location.longitude is None:
        return ""
    miles = miles_between(place.latitude, place.longitude, location.latitude, location.longitude)
    return f"{words.miles(miles).capitalize()} from {place.label}"


def nearest_from(place: ResolvedPlace | None, service: Service) -> str:
    """How far the service's nearest venue is from the place searched, as `distance_from`
    says it ('0.4 miles from LS6 1AA'); '' when there is no place or no venue on the map."""
    if place is None:
        return ""
    away = [
        (miles_between(place.latitude, place.longitude, v.latitude, v.longitude), v)
        for v in service.locations
        if v.latitude is not None and v.longitude is not None
    ]
    if not away:
        return ""
    _miles, nearest = min(away, key=lambda pair: pair[0])
    return distance_from(place, nearest)


def map_link(location: Location) -> str:
    """A link to the venue on OpenStreetMap: a plain link, so nothing is asked of a map site
    until someone taps it (the site's Referrer-Policy sends it nothing of this page)."""
    if location.latitude is not None and location.longitude is not None:
        lat, lon = f"{location.latitude:.5f}", f"{location.longitude:.5f}"
        return f"{OPENSTREETMAP}?{urlencode({'mlat': lat, 'mlon': lon})}#map=17/{lat}/{lon}"
    query = location.postal_code or location.one_line_address
    return f"{OPENSTREETMAP}search?{urlencode({'query': query})}"


def tel_href(number: str) -> str:
    """'tel:+441134960123' for a number as written ('0113 496 0123'): only digits and a
    plus reach the link, whatever the text held."""
    try:
        return _tel(phonenumbers.parse(number, "GB"))
    except phonenumbers.NumberParseException:
        return "tel:" + "".join(c for c in number if c.isdigit())


def _tel(number: phonenumbers.PhoneNumber) -> str:
    if phonenumbers.is_valid_short_number(number) and not phonenumbers.is_valid_number(number):
        return "tel:" + phonenumbers.national_significant_number(number)  # 116 123, 111
    return "tel:" + phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_links(text: str | None) -> Markup:
    """The text, escaped, with each phone number written in it a tel: link, so a number in
    a description can be tapped on a phone. Numbers are found by phonenumbers'
    PhoneNumberMatcher (as UK numbers) and kept when they are real or full-length, or a
    116 helpline (116 123): shorter digit runs ("100-105 people") are not numbers."""
    text = text or ""
    parts: list[str] = []
    done = 0
    for match in phonenumbers.PhoneNumberMatcher(text, "GB", leniency=POSSIBLE):
        if not _is_phone_number(match.number):
            continue
        parts.append(escape(text[done : match.start]))
        parts.append(Markup('<a href="{}">{}</a>').format(_tel(match.number), match.raw_string))
        done = match.end
    parts.append(escape(text[done:]))
    return Markup("").join(parts)


def _is_phone_number(number: phonenumbers.PhoneNumber) -> bool:
    # The same test as the listing form's (web/forms.py uk_phone): Ofcom's drama ranges,
    # which the demo catalogue uses, are possible but not "valid" numbers.
    significant = phonenumbers.national_significant_number(number)
    if phonenumbers.is_valid_number(number):
        return True
    if len(significant) >= 10 and phonenumbers.is_possible_number(number):
        return True
    return significant.startswith("116") and phonenumbers.is_valid_short_number(number)


def crisis_panel(kind: str | None = None) -> CrisisPanel:
    """The urgent help panel of a kind (directory/safety/urgent_help.yaml); suicide and
    self-harm's when no kind is given (the home page's)."""
    return safety.panel(kind or safety.SELF)


def crisis_contacts(panel: CrisisPanel, age: int | None = None) -> list[CrisisContact]:
    """The panel's contacts for someone of this age (all of them when the age is not known)."""
    return panel.contacts_for(age)


def contact_link(link: str) -> str:
    """The link of a crisis contact, or '' for anything but a phone number, text or web page."""
    return link if link.startswith(CONTACT_SCHEMES) else ""


# NHS.UK tag colours for the levels of care: crisis stands out; the rest are calm.
LEVEL_COLOURS = {"community": "green", "primary_care": "blue", "specialist": "aqua-green"}


def care_level(code: str) -> str:
    """A level of mental health care in words ("NHS mental health support through your GP
    practice")."""
    return vocabulary.CARE_LEVELS.get(code, code.replace("_", " "))


def care_level_colour(code: str) -> str:
    return "red" if code == "crisis" else LEVEL_COLOURS.get(code, "grey")


def register(app: Flask) -> None:
    """Make the phrases available in every template."""
    app.jinja_env.globals.update(
        age_range=age_range,
        cost=cost,
        opening_time=opening_time,
        closures=closures,
        past_check_date=past_check_date,
        capacity=capacity,
        last_checked=last_checked,
        delivery=delivery,
        referral_routes=referral_routes,
        refer_yourself=refer_yourself,
        pathway_words=pathway_words,
        care_level_words=care_level_words,
        restrictions=restrictions,
        languages=languages,
        only_for_area=only_for_area,
        other_areas=other_areas,
        distance_away=distance_away,
        distance_from=distance_from,
        nearest_from=nearest_from,
        map_link=map_link,
        tel_href=tel_href,
        when_open=when_open,
        long_date=long_date,
        crisis_panel=crisis_panel,
        crisis_contacts=crisis_contacts,
        crisis_kind_for_needs=safety.kind_for_needs,
        contact_link=contact_link,
        care_level=care_level,
        care_level_colour=care_level_colour,
    )
    app.jinja_env.filters["phone_links"] = phone_links
