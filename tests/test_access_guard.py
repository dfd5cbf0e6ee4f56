"""Permissions are decided in accounts/access.py only.

Scans the portal's Python source (not migrations, not the tests) for what deciding a
permission takes: reading `is_superuser` or a user's `is_active`, querying a user's
assignments, comparing or filtering on roles. Each hit outside accounts/access.py fails,
unless its file is listed in ALLOWED with the reason it decides nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ACCESS = Path("accounts/access.py")

CHECKS = {
    # A read of the flag; setting it (accounts/services.create_user) is not a check.
    "is_superuser": re.compile(r"\.is_superuser\b(?!\s*=[^=])"),
    # A user's flag; ImportBatch.is_active and ReportJob.is_active are about jobs.
    "is_active": re.compile(r"(?<!batch)(?<!job)\.is_active\b(?!\s*=[^=])"),
    "assignments": re.compile(r"\.assignments\b"),
    "role comparison": re.compile(r"\.role\s*(==|!=|in\b|not\s+in\b)|\brole__"),
    "role sets": re.compile(r"\b\w+_ROLES\b"),
    "a role": re.compile(r"\bRole\.[A-Z]+\b"),
}

ALLOWED = {
    "accounts/selectors.py": "assignments_of lists a user's assignments for their pages; "
    "it grants nothing",
    "demo/services.py": "builds the demo users with their roles (writes, not checks)",
    "bench/national.py": "builds the benchmark's users with their roles (writes, not checks)",
    "bench/members.py": "builds the member benchmark's user with a role (writes, not checks)",
    "bench/load/run.py": "builds the load run's users with their roles (writes, not checks)",
}


def _sources() -> list[Path]:
    skipped = {".venv", "var", "tests", "migrations", "node_modules"}
    return sorted(
        path.relative_to(ROOT)
        for path in ROOT.rglob("*.py")
        if not skipped & set(path.relative_to(ROOT).parts)
        and not any(part.startswith(".") for part in path.relative_to(ROOT).parts)
    )


def _hits(path: Path) -> list[str]:
    found = []
    for number, line in enumerate((ROOT / path).read_text().splitlines(), 1):
        code = line.split("#", 1)[0]
        for name, pattern in CHECKS.items():
            if pattern.search(code):
                found.append(f"{path}:{number}: {name}: {line.strip()}")
    return found


def test_no_module_but_access_decides_a_permission() -> None:
    hits = [
        hit
        for path in _sources()
        if path != ACCESS and str(path) not in ALLOWED
        for hit in _hits(path)
    ]

    assert hits == [], "Ask accounts.access instead:\n" + "\n".join(hits)


def test_the_exceptions_are_still_needed() -> None:
    """An allowed file that no longer matches is dropped from the list, so it cannot hide a
    later check."""
    assert [path for path in ALLOWED if not _hits(Path(path))] == []


def test_the_scan_finds_the_access_module_itself() -> None:
    """The patterns do match: the access module is where every one of these reads is."""
    assert ACCESS in _sources()
    names = {hit.split(": ")[1] for hit in _hits(ACCESS)}
    assert {"is_superuser", "is_active", "role sets", "a role"} <= names
