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
import ipaddress
import json
import socket
import time
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
CHUNK = 64 * 1024  # an answer is read this much at a time, the sync's deadline checked between
USER_AGENT = "Signpost feed sync (Open Referral UK)"
# A list item with any of these holds the service's children: no need to fetch it again.
NESTED = ("service_at_locations", "schedules", "phones", "contacts", "attributes", "service_areas")


class FeedError(Exception):
    """The feed could not be read; the message says why, in a sentence."""


@dataclass
class Limits:
    """How long and how much one sync may read: each request's timeout (a socket's wait for
    the next bytes), a deadline for the whole sync, the most one answer and all answers
    together may be, and whether the feed may be on a private network (tests; an intranet)."""

    timeout: float
    max_bytes: int
    total_seconds: float = 120.0
    total_bytes: int = 200 * 1024 * 1024
    allow_private: bool = False
    started: float = field(default_factory=time.monotonic)
    read: int = 0  # bytes read so far

    def left(self) -> float:
        """Seconds left before the deadline; FeedError once it has passed."""
        left = self.started + self.total_seconds - time.monotonic()
        if left <= 0:
            raise FeedError(
                f"The feed took more than {self.total_seconds:g} seconds in all, the most a "
                "sync may take (SIGNPOST_FEED_DEADLINE): stopped."
            )
        return left


@dataclass
class Fetched:
    """What a walk of the feed found: the services, in full, and every id its pages listed."""

    services: list[Json] = field(default_factory=list)
    listed: set[str] = field(default_factory=set)
    pages: int = 0


def base_url(text: str, *, allow_private: bool = False) -> str:
    """The API's base URL as we keep it (no trailing / or /services); FeedError if it is not
    a web address, or (unless allow_private) if its host is on a private network."""
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
    if not allow_private:
        _public_addresses(parts.hostname, parts.port or 443)
    return url


def _public_addresses(host: str, port: int) -> list[tuple[Any, ...]]:
    """The addresses host resolves to (getaddrinfo's answers); FeedError if it does not
    resolve or any of them is private, loopback, link-local, reserved or multicast: a feed
    is read from the public internet, never from this server's own network."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise FeedError(f"Could not find the host {host}: is the address right?") from None
    for *_, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if not address.is_global or address.is_multicast:
            raise FeedError(
                f"{host} is on a private network ({address}): a feed must be on the public "
                "internet (SIGNPOST_FEED_ALLOW_PRIVATE=1 allows private addresses)."
            )
    return found


def _connect(
    address: tuple[str, int],
    timeout: Any = socket._GLOBAL_DEFAULT_TIMEOUT,  # type: ignore[attr-defined]
    source_address: Any = None,
    **_: Any,
) -> socket.socket:
    """socket.create_connection to a public address only: the host is resolved once, each
    of its addresses checked, and the connection made to the address checked (a name that
    resolves elsewhere a moment later cannot slip through)."""
    host, port = address
    family, kind, proto, _name, sockaddr = _public_addresses(host, port)[0]
    sock = socket.socket(family, kind, proto)
    try:
        if timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:  # type: ignore[attr-defined]
            sock.settimeout(timeout)
        if source_address:
            sock.bind(source_address)
        sock.connect(sockaddr)
    except BaseException:
        sock.close()
        raise
    return sock


class _PublicHTTP(http.client.HTTPConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _connect  # http.client sets it on each connection


class _PublicHTTPS(http.client.HTTPSConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _connect


class _PublicHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(_PublicHTTP, req)


class _PublicHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(_PublicHTTPS, req)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is refused, not followed: it could lead anywhere, such as this server's
    own network. The manager gives the address it leads to instead."""

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str):
        raise FeedError(
            f"{req.full_url} answered {code} {msg}, a redirect to {newurl[:200]}: a feed's "
            "redirects are not followed; give the address it leads to."
        )


def _opener(allow_private: bool) -> urllib.request.OpenerDirector:
    handlers: list[Any] = [_NoRedirects()]
    if not allow_private:
        handlers += [_PublicHTTPHandler(), _PublicHTTPSHandler()]
    return urllib.request.build_opener(*handlers)


def read_services(url: str, *, modified_after: datetime | None, limits: Limits) -> Fetched:
    """Every service the feed lists (changed since modified_after, if given), each in full."""
    fetched = Fetched()
    page = 1
    while True:
        query: dict[str, Any] = {"page": page, "per_page": PER_PAGE, "full": "true"}
        if modified_after is not None:
            query["modified_after"] = serialise.timestamp(modified_after)
        address = f"{url}/services?{urllib.parse.urlencode(query)}"
        contents, last = _page(get_json(address, limits), address, page)
        fetched.pages = page
        for item in contents:
            fetched.listed.add(str(item["id"]))
            if any(name in item for name in NESTED):
                fetched.services.append(item)
            else:
                fetched.services.append(_one(url, item["id"], limits))
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


def _one(url: str, service_id: Any, limits: Limits) -> Json:
    address = f"{url}/services/{urllib.parse.quote(str(service_id), safe='')}"
    data = get_json(address, limits)
    if not isinstance(data, dict) or str(data.get("id")) != str(service_id):
        raise FeedError(f"{address} did not answer with that service.")
    return data


def get_json(address: str, limits: Limits) -> Any:
    """The JSON at address, read once within the limits; FeedError says why not."""
    request = urllib.request.Request(
        address, headers={"Accept": "application/json", "User-Agent": USER_AGENT}
    )
    timeout = min(limits.timeout, limits.left())
    most = min(limits.max_bytes, limits.total_bytes - limits.read)
    try:
        # http(s) only (base_url); public addresses only unless allowed; no redirects
        with _opener(limits.allow_private).open(request, timeout=timeout) as answer:
            kind = answer.headers.get_content_type()
            body = _read(answer, most + 1, limits)
    except urllib.error.HTTPError as error:
        raise FeedError(f"{address} answered {error.code} {error.reason}.") from None
    except urllib.error.URLError as error:
        raise FeedError(f"Could not reach {address}: {_reason(error.reason)}.") from None
    except TimeoutError:
        raise FeedError(f"{address} did not answer within {timeout:g} seconds.") from None
    except (OSError, http.client.HTTPException) as error:
        raise FeedError(f"Could not read {address}: {_reason(error)}.") from None
    limits.read += len(body)
    if len(body) > limits.max_bytes:
        raise FeedError(
            f"{address} sent more than {_size(limits.max_bytes)}, the most a feed's answer may "
            "be (SIGNPOST_IMPORT_MAX_MB): stopped."
        )
    if len(body) > most:
        raise FeedError(
            f"The feed sent more than {_size(limits.total_bytes)} in all, the most a sync may "
            "read (SIGNPOST_FEED_MAX_MB): stopped."
        )
    try:
        return json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise FeedError(
            f"{address} did not answer with JSON (it sent {kind}): is this the base URL of "
            "an Open Referral UK API?"
        ) from None


def _read(answer: Any, most: int, limits: Limits) -> bytes:
    """At most `most` bytes of the answer, a piece at a time: a server that sends a few
    bytes at a time (never long enough silent for the timeout) still meets the deadline."""
    parts: list[bytes] = []
    count = 0
    while count < most:
        limits.left()
        part = answer.read1(min(CHUNK, most - count))
        if not part:
            break
        parts.append(part)
        count += len(part)
    return b"".join(parts)


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
