"""Targets a reviewer gives to their unit's children, for a program and a period end.

Who (accounts.access.can_set_targets): users with a reviewing role assigned to the unit itself,
and superusers, set the targets of the unit's children: the units under it that are valid at the
period end (after the 2025 reform a province's children are its new communes). Everyone else who
can see the unit reads them.

Which indicators, and what "adds up" means:
- sum, cumulative and stock indicators are additive: the children's targets should add up to the
  parent's own target. The grid shows, per indicator, the parent's target, the sum given to the
  children and the remainder (parent - sum), and says where they differ. The split helpers give
  shares that sum to the parent's target exactly: integers when the parent's target is a whole
  number (a count), else cents; what rounding leaves over goes to the first units in the list
  (equal split) or to the largest fractional shares (proportional split, largest remainder).
- rate and coverage indicators are percentages and do not add up (a province's rate is the sum of
  numerators over the sum of denominators, not the sum of the communes' rates). Their cells are
  typed by hand, and the helper "như cấp trên" copies the parent's target into every child's cell.
  No remainder is shown for them and a blank stays blank: the engine never invents a target.

The proportional split weighs each child by its result of the year before the period end's year
(never later than last year), as the engine computes it (indicators.figures.engine.figure,
read-only); a
new commune of the 2025 reform is weighed with its predecessors' results.

Saving is all or nothing: every typed cell is parsed (Vietnamese number format) and checked
first; any bad cell refuses the whole grid with a message naming the unit and the indicator. A
blank cell removes that child's target; a cell not posted at all is left as it was.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import access
from accounts.models import User
from common.numbers import NumberError, format_number, parse_number
from indicators.catalogue.services import upsert
from indicators.figures.engine import figure
from indicators.figures.rules import rule_for
from indicators.models import Indicator, Target
from members.models import Unit
from members.selectors import current_children, predecessors
from programs.models import Program

CENT = Decimal("0.01")
# Target stores 14 digits, 2 of them decimals.
LARGEST = Decimal(10) ** 12
PERCENT_MAX = Decimal(100)


class Split(models.TextChoices):
    EQUAL = "equal", gettext_lazy("Chia đều")
    LAST_YEAR = "last_year", gettext_lazy("Theo kết quả năm trước")
    SAME = "same", gettext_lazy("Như cấp trên")


class SplitError(Exception):
    """A split that cannot be made; the message says why, in Vietnamese."""


class TargetRefused(Exception):
    """This user may not set these targets."""


@dataclass
class CellProblem:
    unit: Unit
    indicator: Indicator
    message: str

    def __str__(self) -> str:
        return _("%(unit)s, chỉ tiêu %(code)s: %(message)s") % {
            "unit": self.unit.name,
            "code": self.indicator.code,
            "message": self.message,
        }


class TargetError(Exception):
    def __init__(self, problems: list[CellProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


def is_additive(indicator: Indicator) -> bool:
    return rule_for(indicator).sums_targets


def period_ends(program: Program) -> list[datetime.date]:
    """The year ends of the program's phase; the last is the phase end."""
    return [datetime.date(y, 12, 31) for y in range(program.start_year, program.end_year + 1)]


# Splits -------------------------------------------------------------------------------------


def _apportion(quanta: int, weights: Sequence[Decimal]) -> list[int]:
    """Whole shares of `quanta` in proportion to `weights`, summing to `quanta` exactly: each
    gets the whole part of its exact share, and what is left goes one by one to the largest
    fractional parts (ties: the earlier unit first)."""
    total = sum(weights, Decimal(0))
    exact = [quanta * w / total for w in weights]
    shares = [int(x) for x in exact]
    by_fraction = sorted(range(len(weights)), key=lambda i: (shares[i] - exact[i], i))
    for i in by_fraction[: quanta - sum(shares)]:
        shares[i] += 1
    return shares


def _quantum(total: Decimal) -> Decimal:
    """Whole numbers for a whole target (a count), cents otherwise."""
    return Decimal(1) if total == total.to_integral_value() else CENT


def split_proportionally(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """`total` shared in proportion to `weights` (largest remainder); the shares sum to it."""
    weights = [max(w, Decimal(0)) for w in weights]
    if not weights or not any(weights):
        raise SplitError(_("Không có số liệu để chia theo tỷ lệ."))
    quantum = _quantum(total)
    quanta = int((total / quantum).to_integral_value())
    return [share * quantum for share in _apportion(quanta, weights)]


def split_equally(total: Decimal, count: int) -> list[Decimal]:
    """`total` shared equally among `count` units; what is left over goes to the first ones."""
    if count <= 0:
        raise SplitError(_("Không có đơn vị trực thuộc để chia."))
    return split_proportionally(total, [Decimal(1)] * count)


def last_year_results(
    indicator: Indicator, children: Sequence[Unit], period_end: datetime.date
) -> tuple[int, list[Decimal]]:
    """Each child's result (with its predecessors') in the year before the period end's."""
    year = min(period_end.year, timezone.localdate().year) - 1
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 1)

    def result(unit: Unit) -> Decimal:
        return figure(indicator, unit, start, end).value or Decimal(0)

    return year, [sum(map(result, [c, *predecessors(c)]), Decimal(0)) for c in children]


def suggest(
    method: str, indicator: Indicator, parent_target: Decimal, children: Sequence[Unit],
    period_end: datetime.date,
) -> list[Decimal]:  # fmt: skip
    """The helper's numbers for an indicator's column, one per child; nothing is saved."""
    if method == Split.SAME:
        return [parent_target] * len(children)
    if not is_additive(indicator):
        raise SplitError(_("Chỉ tiêu tỷ lệ không chia theo số lượng được."))
    if method == Split.EQUAL:
        return split_equally(parent_target, len(children))
    year, weights = last_year_results(indicator, children, period_end)
    try:
        return split_proportionally(parent_target, weights)
    except SplitError as exc:
        raise SplitError(
            _("Các đơn vị trực thuộc chưa có kết quả năm %(year)s cho chỉ tiêu %(code)s.")
            % {"year": year, "code": indicator.code}
        ) from exc


# The grid -----------------------------------------------------------------------------------

CellKey = tuple[int, int]  # (child unit pk, indicator pk)


def cell_name(unit: Unit, indicator: Indicator) -> str:
    return f"t-{unit.pk}-{indicator.pk}"


@dataclass(frozen=True)
class Allocation:
    """An indicator's column: the parent's own target and what the children were given."""

    indicator: Indicator
    parent_target: Decimal | None
    given: Decimal
    filled: int

    @property
    def additive(self) -> bool:
        return is_additive(self.indicator)

    @property
    def remainder(self) -> Decimal | None:
        if not self.additive or self.parent_target is None:
            return None
        return self.parent_target - self.given

    # As the page writes them, the Vietnamese way (1.100; 70,5).
    @property
    def parent_text(self) -> str:
        return format_number(self.parent_target, 2)

    @property
    def given_text(self) -> str:
        return format_number(self.given, 2)

    @property
    def remainder_text(self) -> str:
        return format_number(self.remainder, 2)


@dataclass
class Grid:
    """What the targets page shows: children x indicators, each cell as typed or stored."""

    unit: Unit
    program: Program
    period_end: datetime.date
    children: list[Unit]
    indicators: list[Indicator]
    parent_targets: dict[int, Decimal]
    texts: dict[CellKey, str]
    problems: dict[CellKey, str] = field(default_factory=dict)

    def typed(self, data: Mapping[str, str]) -> None:
        """Shows what was posted in every posted cell."""
        for child in self.children:
            for ind in self.indicators:
                if cell_name(child, ind) in data:
                    self.texts[child.pk, ind.pk] = str(data[cell_name(child, ind)]).strip()

    def fill(self, indicator: Indicator, values: Sequence[Decimal]) -> None:
        for child, value in zip(self.children, values, strict=True):
            self.texts[child.pk, indicator.pk] = format_number(value, 2)

    def rows(self) -> list[tuple[Unit, list[tuple[Indicator, str, str, str]]]]:
        """Per child: (indicator, field name, text, problem) for each column."""
        return [
            (
                child,
                [
                    (
                        ind,
                        cell_name(child, ind),
                        self.texts.get((child.pk, ind.pk), ""),
                        self.problems.get((child.pk, ind.pk), ""),
                    )
                    for ind in self.indicators
                ],
            )
            for child in self.children
        ]

    def allocations(self) -> list[Allocation]:
        """Sums of what the cells hold now (a cell that is not a number counts for nothing)."""
        return [self._allocation(ind) for ind in self.indicators]

    def _allocation(self, indicator: Indicator) -> Allocation:
        numbers = [_number_or_none(self.texts.get((c.pk, indicator.pk))) for c in self.children]
        given = [n for n in numbers if n is not None]
        return Allocation(
            indicator, self.parent_targets.get(indicator.pk), sum(given, Decimal(0)), len(given)
        )


def _number_or_none(text: str | None) -> Decimal | None:
    try:
        return parse_number(text)
    except NumberError:
        return None


def build_grid(unit: Unit, program: Program, period_end: datetime.date) -> Grid:
    """The grid as stored: the children valid at the period end and their targets."""
    children = list(current_children(unit, period_end))
    indicators = list(Indicator.objects.filter(program=program).order_by("position"))
    targets = Target.objects.filter(
        indicator__in=indicators, period_end=period_end, unit__in=[unit, *children]
    )
    parent: dict[int, Decimal] = {}
    texts: dict[CellKey, str] = {}
    for t in targets:
        if t.unit_id == unit.pk:
            parent[t.indicator_id] = t.value
        else:
            texts[t.unit_id, t.indicator_id] = format_number(t.value, 2)
    return Grid(unit, program, period_end, children, indicators, parent, texts)


def target_gaps(grid: Grid) -> list[Allocation]:
    """The additive columns whose children's targets do not add up to the parent's."""
    return [a for a in grid.allocations() if a.remainder]


def gap_message(allocation: Allocation, parent: Unit) -> str:
    remainder = allocation.remainder or Decimal(0)
    values = {
        "code": allocation.indicator.code,
        "given": format_number(allocation.given, 2),
        "unit": parent.name,
        "target": format_number(allocation.parent_target, 2),
        "difference": format_number(abs(remainder), 2),
    }
    if remainder > 0:
        return (
            _(
                "%(code)s: tổng chỉ tiêu giao cho các đơn vị trực thuộc (%(given)s) thấp hơn "
                "chỉ tiêu của %(unit)s (%(target)s) là %(difference)s."
            )
            % values
        )
    return (
        _(
            "%(code)s: tổng chỉ tiêu giao cho các đơn vị trực thuộc (%(given)s) cao hơn "
            "chỉ tiêu của %(unit)s (%(target)s) là %(difference)s."
        )
        % values
    )


# Saving -------------------------------------------------------------------------------------


def _check(indicator: Indicator, text: str) -> tuple[Decimal | None, str]:
    """The typed number (None for blank) and, if it cannot be a target, why."""
    try:
        value = parse_number(text)
    except NumberError as exc:
        return None, str(exc)
    if value is None:
        return None, ""
    if value < 0:
        return None, _("kế hoạch không được âm")
    if value >= LARGEST:
        return None, _("số quá lớn")
    if value != value.quantize(CENT):
        return None, _("tối đa 2 chữ số thập phân")
    if rule_for(indicator).is_percent and value > PERCENT_MAX:
        return None, _("chỉ tiêu tỷ lệ: kế hoạch phải từ 0 đến 100 (%)")
    return value, ""


def read_cells(
    grid: Grid, data: Mapping[str, str]
) -> tuple[dict[tuple[Unit, Indicator], Decimal | None], list[CellProblem]]:
    """Every posted cell of the grid, parsed; the problems of all the bad ones."""
    values: dict[tuple[Unit, Indicator], Decimal | None] = {}
    problems: list[CellProblem] = []
    for child in grid.children:
        for ind in grid.indicators:
            name = cell_name(child, ind)
            if name not in data:
                continue
            value, problem = _check(ind, str(data[name]))
            if problem:
                problems.append(CellProblem(child, ind, problem))
            values[child, ind] = value
    return values, problems


def _write(
    values: Mapping[tuple[Unit, Indicator], Decimal | None], period_end: datetime.date
) -> Counter[str]:
    counts: Counter[str] = Counter()
    for (unit, indicator), value in values.items():
        lookup = {"unit": unit, "indicator": indicator, "period_end": period_end}
        if value is None:
            counts["deleted"] += Target.objects.filter(**lookup).delete()[0]
        else:
            counts[upsert(Target, lookup, {"value": value})[1]] += 1
    return counts


def save_child_targets(*, user: User, grid: Grid, data: Mapping[str, str]) -> Counter[str]:
    """Saves every posted cell of the grid, or none (TargetError lists every bad cell)."""
    if not access.can_set_targets(user, grid.unit):
        raise TargetRefused(_("Bạn không được giao chỉ tiêu cho các đơn vị trực thuộc đơn vị này."))
    values, problems = read_cells(grid, data)
    if problems:
        raise TargetError(problems)
    with transaction.atomic():
        return _write(values, grid.period_end)
