"""Reading a legacy file: `read_file` finds its shape (long or the customary wide form) and
hands it to that shape's reader. Both give a `ParsedFile` (imports.parsed)."""

from __future__ import annotations

from pathlib import Path

from imports.parsed import ParsedFile, Period
from imports.readers.long import WORKBOOK_SUFFIXES, read_long, workbook_rows
from imports.readers.wide import read_wide
from members.models import Unit
from programs.models import Program

LONG_HEADER = {"unit_code", "indicator_code"}


def detect_shape(path: Path) -> str:
    """ "long" when the first row names the long shape's columns (always for a CSV), else
    "wide"."""
    if path.suffix.lower() not in WORKBOOK_SUFFIXES:
        return "long"
    rows = workbook_rows(path, nrows=1)
    header = {str(c).strip().lower() for c in rows[0]} if rows else set()
    return "long" if header >= LONG_HEADER else "wide"


def read_file(
    path: Path | str,
    *,
    unit: Unit | None = None,
    program: Program | None = None,
    period: Period | None = None,
) -> ParsedFile:
    path = Path(path)
    if detect_shape(path) == "long":
        return read_long(path, unit=unit, program=program, period=period)
    return read_wide(path, unit=unit, program=program.code if program else None, period=period)
