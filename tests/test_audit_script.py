"""`make audit` (scripts/audit.py): a vulnerability fails it; an advisory service out of reach,
or answering for no package, is said plainly ("NOT CHECKED") and fails nothing."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "audit.py"


@pytest.fixture
def audit():
    spec = importlib.util.spec_from_file_location("audit", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def answers(pip: tuple[int, str, str], npm: tuple[int, str, str]):
    def run(command: list[str]) -> tuple[int, str, str]:
        return npm if "npm" in Path(command[0]).name else pip

    return run


PIP_CLEAN = json.dumps({"dependencies": [{"name": "flask", "version": "3.1.3", "vulns": []}]})
PIP_VULNERABLE = json.dumps(
    {"dependencies": [{"name": "flask", "version": "0.1", "vulns": [{"id": "PYSEC-1"}]}]}
)
PIP_NOTHING_KNOWN = json.dumps(
    {"dependencies": [{"name": "flask", "version": "3.1.3", "skip_reason": "not found"}]}
)
NPM_CLEAN = json.dumps({"metadata": {"vulnerabilities": {"high": 0, "total": 0}}})
NPM_OFFLINE = json.dumps({"message": "request failed, reason: getaddrinfo ENOTFOUND"})


def test_nothing_known_passes(audit, monkeypatch, capsys):
    monkeypatch.setattr(audit, "run", answers((0, PIP_CLEAN, ""), (0, NPM_CLEAN, "")))
    assert audit.main() == 0
    out = capsys.readouterr().out
    assert "1 packages checked, 0 with known vulnerabilities" in out and "NOT CHECKED" not in out


def test_a_vulnerability_fails(audit, monkeypatch, capsys):
    monkeypatch.setattr(audit, "run", answers((1, PIP_VULNERABLE, ""), (0, NPM_CLEAN, "")))
    assert audit.main() == 1
    assert "flask 0.1: PYSEC-1" in capsys.readouterr().out


@pytest.mark.parametrize(
    "pip",
    [(1, "", "ConnectionError: Max retries exceeded"), (0, PIP_NOTHING_KNOWN, "")],
    ids=["unreachable", "answers-for-nothing"],
)
def test_a_service_out_of_reach_is_said_and_fails_nothing(audit, monkeypatch, capsys, pip):
    monkeypatch.setattr(audit, "run", answers(pip, (1, NPM_OFFLINE, "")))
    assert audit.main() == 0
    out = capsys.readouterr().out
    assert "pip-audit: NOT CHECKED" in out and "npm audit: NOT CHECKED" in out
    assert "ENOTFOUND" in out and "Nothing was checked" in out
