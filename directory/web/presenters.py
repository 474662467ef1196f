"""How listing facts read to a person: plain-English phrases for the templates."""

from __future__ import annotations

from datetime import date

from flask import Flask, current_app

from directory.catalogue import published, vocabulary
from directory.clock import today as clock_today
from directory.models import Capacity, Schedule, Service
from directory.search.results import CrisisContact, CrisisPanel
from directory.search.urgent_help import urgent_help
from matcher import words
from matcher.rules import area_words

# Crisis contacts are reached by phone, text or a web page; nothing else goes in a link.
CONTACT_SCHEMES = ("tel:", "sms:", "https:")


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
    """'Monday and Wednesday, 10am to 12pm'."""
    return f"{day_list(schedule.days)}, {clock(schedule.opens_at)} to {clock(schedule.closes_at)}"


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


def capacity(service: Service) -> str:
    text = vocabulary.CAPACITY[service.capacity]
    if service.capacity == Capacity.WAITING_LIST and service.waiting_weeks:
        text += f" of about {service.waiting_weeks} weeks"
    return text


def last_checked(service: Service, today: date | None = None) -> str:
    """'Last checked 14 September 2026', with how long ago when it is stale."""
    if service.last_verified is None:
        return "Not yet checked by the organisation"
    today = today or clock_today()
    shown = f"{service.last_verified.day} {service.last_verified:%B %Y}"
    age_days = (today - service.last_verified).days
    if age_days > current_app.config["STALE_AFTER_DAYS"]:
        months = age_days // 30
        return f"Last checked {months} months ago ({shown}): details may have changed"
    return f"Last checked {shown}"


def delivery(service: Service) -> str:
    return ", ".join(vocabulary.DELIVERY[d] for d in service.delivery)


def referral_routes(service: Service) -> list[str]:
    return [vocabulary.REFERRAL_ROUTES[r] for r in service.referral_routes]


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


def crisis_panel() -> CrisisPanel:
    """The urgent help panel (directory/search/urgent_help.yaml)."""
    return urgent_help().panel


def crisis_contacts(panel: CrisisPanel, age: int | None = None) -> list[CrisisContact]:
    """The panel's contacts for someone of this age (all of them when the age is not known)."""
    return [c for c in panel.contacts if age is None or c.max_age is None or age <= c.max_age]


def contact_link(link: str) -> str:
    """The link of a crisis contact, or '' for anything but a phone number, text or web page."""
    return link if link.startswith(CONTACT_SCHEMES) else ""


def register(app: Flask) -> None:
    """Make the phrases available in every template."""
    app.jinja_env.globals.update(
        age_range=age_range,
        cost=cost,
        opening_time=opening_time,
        capacity=capacity,
        last_checked=last_checked,
        delivery=delivery,
        referral_routes=referral_routes,
        restrictions=restrictions,
        languages=languages,
        only_for_area=only_for_area,
        other_areas=other_areas,
        distance_away=distance_away,
        crisis_panel=crisis_panel,
        crisis_contacts=crisis_contacts,
        contact_link=contact_link,
    )
