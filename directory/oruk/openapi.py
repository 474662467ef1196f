"""This API's own OpenAPI 3 document."""

from __future__ import annotations

from typing import Any


def document(server: str) -> dict[str, Any]:
    """The OpenAPI document, with server as the base URL of /api/v1."""
    return {
        "openapi": "3.0.3",
        "info": {"title": "Signpost API", "version": "1"},
        "servers": [{"url": server}],
        "paths": {},
    }
