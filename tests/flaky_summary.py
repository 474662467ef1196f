"""The summary of `make test-repeat`: every test that failed at least once in its repeated runs.

    python tests/flaky_summary.py REPORT.xml COUNT PYTEST_STATUS

REPORT.xml is pytest's --junitxml report of a run with pytest-repeat's --count COUNT, and
PYTEST_STATUS the exit status of that run. Prints one line, "test-repeat: 0 flaky tests ..."
or "test-repeat: N flaky tests: ..." naming each with how often it failed, and exits 1 unless
every run of every test passed (or skipped).
"""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ElementTree
from collections import Counter
from pathlib import Path

# pytest exit statuses: 0 all passed, 1 some failed; anything else means the run itself broke
RAN = (0, 1)


def repeated_name(classname: str, name: str, count: int) -> str:
    """One name for all the repeats of a test: pytest-repeat adds "-3-10" (or "[3-10]")."""
    name = re.sub(rf"\[\d+-{count}\]$", "", name)
    name = re.sub(rf"-\d+-{count}\]$", "]", name)
    return f"{classname}::{name}"


def summarise(report: Path, count: int, pytest_status: int) -> tuple[str, bool]:
    """The summary line, and whether it is clean."""
    runs: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        name = repeated_name(case.get("classname", ""), case.get("name", ""), count)
        runs[name] += 1
        if case.find("failure") is not None or case.find("error") is not None:
            failed[name] += 1
    if pytest_status not in RAN or not runs:
        return f"test-repeat: the run did not complete (pytest exit status {pytest_status})", False
    ran = f"{len(runs)} tests, each run {count} times"
    if not failed:
        return f"test-repeat: 0 flaky tests ({ran})", True
    named = "; ".join(f"{name} failed {failed[name]} of {runs[name]}" for name in sorted(failed))
    return f"test-repeat: {len(failed)} flaky tests ({ran}): {named}", False


def main(argv: list[str]) -> int:
    report, count, pytest_status = Path(argv[0]), int(argv[1]), int(argv[2])
    if not report.exists():
        print(f"test-repeat: no report at {report} (pytest exit status {pytest_status})")
        return 1
    line, clean = summarise(report, count, pytest_status)
    print(line)
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
