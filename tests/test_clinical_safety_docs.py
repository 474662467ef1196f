"""The hazard log names the code and tests that control each hazard: they must exist."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOG = ROOT / "docs" / "clinical-safety" / "hazard-log.md"
NAMED_TEST = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")
NAMED_PATH = re.compile(r"`((?:directory|matcher|tests)/[\w/.-]+)`")


def _test_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test")
    }


def test_every_test_the_hazard_log_names_exists():
    named = NAMED_TEST.findall(LOG.read_text())
    assert len(named) >= 20  # the log names its tests
    missing = [f"{f}::{t}" for f, t in named if t not in _test_names(ROOT / f)]
    assert not missing, f"the hazard log names tests that do not exist: {missing}"


def test_every_file_the_hazard_log_names_exists():
    named = {p.rstrip("/") for p in NAMED_PATH.findall(LOG.read_text())}
    assert named
    missing = sorted(p for p in named if not (ROOT / p).exists())
    assert not missing, f"the hazard log names files that do not exist: {missing}"


def test_every_hazard_in_the_table_has_its_section():
    text = LOG.read_text()
    ids = re.findall(r"^\| (H\d\d) \|", text, flags=re.M)
    assert ids
    assert ids == re.findall(r"^## (H\d\d):", text, flags=re.M)
