"""What a figure is, shared by the engine, the tables and the rules (indicators.figures.rules): the
`Figure` dataclass, its statuses, the level ranks and the program's first month.

Kept apart so that the modules computing figures import it and not each other: the rules
compute for the engine and the tables, and coverage totals read the rules, without a cycle.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import BooleanField, Model
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from indicators.models import Indicator
from members.models import Level

HUNDRED = Decimal(100)

# Levels from the top: a unit above an indicator's collection level reads month totals.
LEVEL_RANK = {level: rank for rank, level in enumerate(Level.values)}


class Status:
    ACHIEVED = "achieved"
    ON_TRACK = "on_track"
    BEHIND = "behind"
    NO_DATA = "no_data"
    NO_TARGET = "no_target"


class Basis:
    """What a figure's achievement is measured against (`Figure.goal`), so its label can say so.

    TARGET: the whole target (a view of the target's whole period, or of it so far);
    PACE: the share of a flow's target due by the view's end (a month, quarter or year inside
    a longer target's period); LEVEL: a stock's or a rate's target, the level to reach by the
    target's end, for a view that ends before it (a level has no linear pace: see
    indicators.figures.rules)."""

    TARGET = "target"
    PACE = "pace"
    LEVEL = "level"


def basis_caption(basis: str) -> str:
    """The words before a goal that is not the whole target, wherever it is shown (the
    dashboard's cells, the report's columns): "theo tiến độ" (a flow's pace by the view's
    end) or "mức cần đạt" (a level to reach by the target's end); "" for the whole target."""
    if basis == Basis.PACE:
        return _("theo tiến độ")
    if basis == Basis.LEVEL:
        return _("mức cần đạt")
    return ""


@dataclass(frozen=True)
class Figure:
    """An indicator's figure for a unit and a month range, with its target if there is one.

    `value` is None when nothing is known (no unit of the subtree reported in the range, or the
    range ends before the program started): never a silent 0.
    """

    value: Decimal | None
    units_reporting: int = 0
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    # Coverage: how many units were counted (the denominator of the share).
    units_counted: int | None = None
    target: Decimal | None = None
    target_period_end: datetime.date | None = None
    # What the target asks for by the range's end, if it were met evenly month by month.
    expected_by_now: Decimal | None = None
    achievement: Decimal | None = None
    status: str = Status.NO_DATA
    # What `achievement` divides by: the target, or its pace for a view inside its period.
    goal: Decimal | None = None
    basis: str = ""

    @property
    def compared_with(self) -> Decimal | None:
        """The Kế hoạch a table shows beside the figure: what its % divides by (the target's
        pace or level in a view inside the target's period), so Thực hiện / Kế hoạch = Tỷ lệ."""
        return self.goal if self.goal is not None else self.target


def program_start(indicator: Indicator) -> datetime.date:
    return datetime.date(indicator.program.start_year, 1, 1)


def any_of(model: type[Model], column: str, ids: list[int]) -> RawSQL:
    """`column IN ids` as one array parameter (`column = ANY(%s)`): as `__in`, Django
    normalises each id and psycopg splits the query at each parameter marker, which for thousands
    of ids (the nation's communes) costs more than the query."""
    where = f'"{model._meta.db_table}"."{column}" = ANY(%s)'
    return RawSQL(where, (ids,), output_field=BooleanField())
