"""Server logs keep neither search words nor the searcher's address."""

from __future__ import annotations

import logging

from directory.privacy import ForgetSearches


def test_request_lines_lose_their_query_string_and_client_address():
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        "203.0.113.9 - - [23/Nov/2026 11:00:00] %s %s %s\n",
        ('"GET /search?q=kill+myself&postcode=LS6+1BD HTTP/1.1"', "200", "-"),
        None,
    )
    ForgetSearches().filter(record)
    line = record.getMessage()
    assert "kill" not in line and "LS6" not in line and "203.0.113.9" not in line
    assert '"GET /search HTTP/1.1" 200 -' in line
