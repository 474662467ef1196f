"""`make audit`: known vulnerabilities in the installed Python packages (pip-audit) and in the
npm packages (npm audit).

Each audit asks an advisory service over the network (PyPI's, npm's registry). Where one
cannot be reached, or answers for none of the packages (a mirror without advisories), this
says so plainly, "NOT CHECKED", instead of failing or reporting that all is well. The exit
status is 1 only when a vulnerability is found.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TIMEOUT = 300


def run(command: list[str]) -> tuple[int, str, str]:
    try:
        done = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        return -1, "", f"no answer within {TIMEOUT} seconds"
    return done.returncode, done.stdout, done.stderr


def last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def python_packages() -> int:
    """Vulnerabilities pip-audit found in this environment (-1: it could not check)."""
    audit = BIN / "pip-audit"
    if not audit.exists():
        print("pip-audit: NOT CHECKED: pip-audit is not installed (make install adds it).")
        return -1
    code, out, err = run(
        [str(audit), "--format", "json", "--skip-editable", "--progress-spinner", "off"]
    )
    try:
        found = json.loads(out)["dependencies"]
    except (ValueError, KeyError, TypeError):
        print(
            "pip-audit: NOT CHECKED: its advisory service (PyPI) could not be reached "
            f"({last_line(err)}). Run `make audit` where it can."
        )
        return -1
    audited = [d for d in found if "skip_reason" not in d]
    if not audited:
        print(
            f"pip-audit: NOT CHECKED: the advisory service answered for none of the {len(found)} "
            "packages (offline, or an index without advisories). Run `make audit` where "
            "pypi.org can be reached."
        )
        return -1
    vulnerable = [d for d in audited if d.get("vulns")]
    for item in vulnerable:
        ids = ", ".join(v["id"] for v in item["vulns"])
        print(f"pip-audit: {item['name']} {item['version']}: {ids}")
    skipped = len(found) - len(audited)
    note = f" ({skipped} could not be audited)" if skipped else ""
    print(
        f"pip-audit: {len(audited)} packages checked{note}, "
        f"{len(vulnerable)} with known vulnerabilities."
    )
    return len(vulnerable) if code in (0, 1) else -1


def npm_packages() -> int:
    """Vulnerabilities npm audit found in package-lock.json (-1: it could not check)."""
    npm = shutil.which("npm")
    if npm is None:
        print("npm audit: NOT CHECKED: npm is not installed.")
        return -1
    _code, out, err = run([npm, "audit", "--json"])
    try:
        counts = json.loads(out)["metadata"]["vulnerabilities"]
    except (ValueError, KeyError, TypeError):
        reason = ""
        with contextlib.suppress(ValueError, AttributeError):
            reason = json.loads(out).get("message", "")
        print(
            "npm audit: NOT CHECKED: the npm registry's advisory service could not be reached "
            f"({reason or last_line(err)}). Run `make audit` where it can."
        )
        return -1
    total = int(counts.get("total", 0))
    if total:
        print(run([npm, "audit"])[1].rstrip())
    print(f"npm audit: {total} known vulnerabilities ({json.dumps(counts)}).")
    return total


def main() -> int:
    results = [python_packages(), npm_packages()]
    if any(r > 0 for r in results):
        return 1
    if all(r < 0 for r in results):
        print("Nothing was checked (see above): this says nothing about vulnerabilities.")
    elif any(r < 0 for r in results):
        print("Some packages were NOT CHECKED (see above); no known vulnerability in the rest.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
