"""Reading another directory's Open Referral UK API over HTTP: its `/services` pages, asked
for in full (HSDS's `full=true`, as Signpost's API and others answer it), and each service in
full where a page still holds only the one-to-one fields. One request a page, not one a
service, keeps a sync of a large feed within the feed's rate limit.

Every request has a timeout and a size limit and is tried once (a scheduled sync tries again
at its next run). Whatever goes wrong (no answer, an error status, not JSON, not the shape of
an Open Referral UK page) becomes one sentence in FeedError; nothing is imported then.
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from directory.oruk import serialise

Json = dict[str, Any]
PER_PAGE = 50
MAX_PAGES = 2000  # 100,000 services: a feed that pages on for ever is refused
USER_AGENT = "Signpost feed sync (Open Referral UK)"
# A list item with any of these holds the service's children: no need to fetch it again.
NESTED = ("service_at_locations", "schedules", "phones", "contacts", "attributes", "service_areas")


class FeedError(Exception):
    """The feed could not be read; the message says why, in a sentence."""


@dataclass
class Fetched:
    """What a walk of the feed found: the services, in full, and every id its pages listed."""

    services: list[Json] = field(default_factory=list)
    listed: set[str] = field(default_factory=set)
    pages: int = 0


def base_url(text: str) -> str:
    """The API's base URL as we keep it (no trailing / or /services); FeedError if it is not
    a web address."""
    url = text.strip().rstrip("/")
    url = url.removesuffix("/services").rstrip("/")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FeedError(
            f"“{text.strip()[:100]}” is not a web address: give the base URL of an Open Referral "
            "UK API, such as https://directory.example.org/api/v1"
        )
    if parts.query or parts.fragment:
        raise FeedError("Give the API's base URL without a query (? or #).")
    return url


def read_services(
    url: str, *, modified_after: datetime | None, timeout: float, max_bytes: int
) -> Fetched:
    """Every service the feed lists (changed since modified_after, if given), each in full."""
    fetched = Fetched()
    page = 1
    while True:
        query: dict[str, Any] = {"page": page, "per_page": PER_PAGE, "full": "true"}
        if modified_after is not None:
            query["modified_after"] = serialise.timestamp(modified_after)
        address = f"{url}/services?{urllib.parse.urlencode(query)}"
        contents, last = _page(get_json(address, timeout, max_bytes), address, page)
        fetched.pages = page
        for item in contents:
            fetched.listed.add(str(item["id"]))
            if any(name in item for name in NESTED):
                fetched.services.append(item)
            else:
                fetched.services.append(_one(url, item["id"], timeout, max_bytes))
        if last or not contents:
            return fetched
        page += 1
        if page > MAX_PAGES:
            raise FeedError(f"{url}/services goes on for more than {MAX_PAGES} pages: stopped.")


def _page(data: Any, address: str, number: int) -> tuple[list[Json], bool]:
    """A page's services and whether it is the last; FeedError if it is not a page."""
    if not isinstance(data, dict) or not isinstance(data.get("contents"), list):
        raise FeedError(
            f"{address} is not an Open Referral UK API: its /services answer is not a page "
            'of services ({"contents": [...], "total_pages": ...}).'
        )
    contents = data["contents"]
    if not all(isinstance(item, dict) and item.get("id") for item in contents):
        raise FeedError(f"{address} lists something that is not a service with an id.")
    total = data.get("total_pages")
    last = data.get("last_page") is True or (isinstance(total, int) and number >= total)
    return contents, last


def _one(url: str, service_id: Any, timeout: float, max_bytes: int) -> Json:
    address = f"{url}/services/{urllib.parse.quote(str(service_id), safe='')}"
    data = get_json(address, timeout, max_bytes)
    if not isinstance(data, dict) or str(data.get("id")) != str(service_id):
        raise FeedError(f"{address} did not answer with that service.")
    return data


def get_json(address: str, timeout: float, max_bytes: int) -> Any:
    """The JSON at address, read once; FeedError says why not."""
    request = urllib.request.Request(
        address, headers={"Accept": "application/json", "User-Agent": USER_AGENT}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # http(s) only: base_url
            body = answer.read(max_bytes + 1)
            kind = answer.headers.get_content_type()
    except urllib.error.HTTPError as error:
        raise FeedError(f"{address} answered {error.code} {error.reason}.") from None
    except urllib.error.URLError as error:
        raise FeedError(f"Could not reach {address}: {_reason(error.reason)}.") from None
    except TimeoutError:
        raise FeedError(f"{address} did not answer within {timeout:g} seconds.") from None
    except (OSError, http.client.HTTPException) as error:
        raise FeedError(f"Could not read {address}: {_reason(error)}.") from None
    if len(body) > max_bytes:
        raise FeedError(
            f"{address} sent more than {_size(max_bytes)}, the most a feed's answer may be "
            "(SIGNPOST_IMPORT_MAX_MB): stopped."
        )
    try:
        return json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise FeedError(
            f"{address} did not answer with JSON (it sent {kind}): is this the base URL of "
            "an Open Referral UK API?"
        ) from None


def _size(count: int) -> str:
    if count < 1024 * 1024:
        return f"{count / 1024:.0f} KB"
    return f"{count / 1024 / 1024:.1f} MB"


def _reason(reason: Any) -> str:
    if isinstance(reason, TimeoutError):
        return "no answer in time"
    if isinstance(reason, ConnectionRefusedError):
        return "the connection was refused (nothing is listening there)"
    text = str(reason) or type(reason).__name__
    return text.removeprefix("[Errno -2] ").removeprefix("[Errno -3] ")
