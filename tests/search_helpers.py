"""Helpers for reading search answers: the API's JSON, all its pages, a page's words."""

from __future__ import annotations

import html
import re
from urllib.parse import urlencode


def query(params: dict[str, object] | list[tuple[str, object]]) -> str:
    return urlencode(params, doseq=True)


def api(client, params: dict[str, object] | list[tuple[str, object]] = (), status: int = 200):
    """GET /api/v1/search and its JSON, checking the status."""
    response = client.get(f"/api/v1/search?{query(params)}")
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return response.get_json()


def every_result(client, params: dict[str, object]) -> list[dict]:
    """Every result of a search from the API, both bands, walking all their pages."""
    found = []
    for band in ("local", "online"):
        page = 1
        while True:
            answer = api(client, {**params, "band": band, "page": page})
            found += answer["results"]
            total = answer[f"{band}_total"]
            if not answer["results"] or len([r for r in found if r["band"] == band]) >= total:
                break
            page += 1
    return found


def text(response) -> str:
    """A page's visible words, tags dropped and entities decoded."""
    body = response.get_data(as_text=True)
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def main_text(response) -> str:
    """The words of the page's main content (no header or footer)."""
    body = response.get_data(as_text=True)
    start = body.index(">", body.index('id="maincontent"')) + 1
    end = body.index("<footer")
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body[start:end])).split())
