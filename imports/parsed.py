"""What a reader makes of a legacy file, before anything is compared with the database.

Readers (`imports.readers`) turn a file into a `ParsedFile`: units and indicators already
matched to the catalogue, numbers already parsed, every problem named by row and column.
The planner (`imports.services`) compares it with the database (new / changed / unchanged)
and commits it. Nothing in this module touches the database.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal


@dataclass(frozen=True)
class Problem:
    """An error (the file cannot be committed) or a warning (it can), in Vietnamese."""

    row: int | None  # the sheet's 1-based row, or the CSV line; None for the whole file
    column: str  # the column letter ("C"), or "" for the whole row or file
    message: str
    # What the preview lists it under: the indicator's code, or a kind ("tháng đã khóa").
    group: str = ""


@dataclass(frozen=True)
class Period:
    """The period a file reports: a month, a quarter, a half-year or a year."""

    label: str  # "2025", "2024-06", "2024-Q2", "2024-H1"
    first_month: datetime.date  # first day of its first month
    last_month: datetime.date  # first day of its last month: where a period figure is stored
    months: int  # 1, 3, 6 or 12


@dataclass(frozen=True)
class ResultCell:
    """One value for a unit, an indicator and a month (a "Thực hiện" cell or a long row)."""

    row: int
    column: str
    unit_id: int
    indicator_id: int
    month: datetime.date  # first day of the month; a period's last month for a period figure
    covers_months: int  # 1 for a month's figure, 3/6/12 for a quarter's, half-year's, year's
    value: Decimal | None = None
    numerator: Decimal | None = None
    denominator: Decimal | None = None


@dataclass(frozen=True)
class TargetCell:
    """One planned value (a "Kế hoạch" cell or a row of a target table)."""

    row: int
    column: str
    unit_id: int
    indicator_id: int
    period_end: datetime.date  # last day of the period the target is for
    value: Decimal


@dataclass
class ParsedFile:
    shape: Literal["wide", "long"]
    rows: int = 0  # data rows read (units in a wide file, values in a long one)
    unit_id: int | None = None  # the unit the file is for (wide), if known
    program_code: str = ""
    period: Period | None = None
    results: list[ResultCell] = field(default_factory=list)
    targets: list[TargetCell] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
