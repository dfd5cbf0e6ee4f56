"""Plausible monthly results for the demo, true to the figures the seed documents report.

Two kinds of rows, both written with bulk_create and drawn from `random.Random` instances seeded
with stable strings (unit code, indicator code, period), never from the global generator, so
that the same database and the same `last_month` always give the same rows:

1. Reported figures (data/catalog/results-reported.csv). Each figure a document gives for a
   province is recorded on the province's communes valid in the period, so that
   `indicators.figures.engine.figure()` for the province over that period returns it exactly:
   - a figure for whole years ("2018", "2017-2023") is recorded in the period's last month, as
     a yearly report entered at once, spread over the communes;
   - a figure for quarters ("2024-Q2..Q3") is spread over the communes and the months;
   - a rate is recorded in the period's last month (the month the engine reads), on every
     commune, with numerators that give the province exactly the figure (100% means
     numerator == denominator everywhere).
   A figure is skipped when it cannot be a result: its period is outside the program's phase
   (the engine treats months before a program starts as no data, so Huế's 2018 figures of CTH,
   whose phase starts in 2021, have no place), or its indicator is computed (coverage) or a
   breakdown (which could not be kept under a total it does not draw).
2. Monthly results for the WINDOW_MONTHS months ending at `last_month`: every commune (or branch,
   for branch indicators) valid in a month reports every indicator of the programs whose phase
   covers that month. Before the 2025 reform that is the old communes: those under the province
   and those of a merged-in province that are predecessors of its new communes (Ninh Thuận's
   for Khánh Hòa), so that a new commune's history includes its predecessors'. A month that a
   reported figure covers is left to that figure (for a cumulative indicator, every month up to
   the figure's end), so the generator never changes what the documents say.

Idempotent by (province, program): a program that already has any result on a unit of the
province (its subtree or the predecessors it claims) gets nothing more there. The rows of one
program in one province are drawn together (a breakdown under its total, a cumulative figure
equal to the document's, stocks that move slowly from month to month), so adding rows next to
rows someone has entered or corrected could break those sums, and overwriting them would lose
the entries. The cost: a later run does not extend the months; delete the program's results in
the province to regenerate them.
"""

from __future__ import annotations

import csv
import datetime
import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.db import transaction
from django.db.models import Q

from common.periods import add_months, month_start
from indicators.catalogue.services import DEFAULT_CATALOG_DIR
from indicators.figures import totals
from indicators.figures.rules import rule_for
from indicators.models import CollectionLevel, Indicator, Result, Rule
from members.models import Level, Unit, UnitSuccession
from members.selectors import province_by_name
from programs.models import Program

WINDOW_MONTHS = 18
REPORTED_FILE = DEFAULT_CATALOG_DIR / "results-reported.csv"
BATCH_SIZE = 2000

# A month's value: a whole number, or a rate's (numerator, denominator).
Value = int | tuple[int, int]
Series = Sequence[Value]


# --- How one unit's values of one indicator move from month to month -------------------------


class Profile(Protocol):
    def draw(self, rng: random.Random, months: int, size: int) -> Series: ...


@dataclass(frozen=True)
class Flow:
    """A count per month (sum, or the monthly additions of a cumulative indicator), for a unit
    the size of an old commune: nothing in most months for rare events, 1..high when something
    happened. A commune merged from n old ones draws n times and adds up, so that a province's
    monthly totals run on across the 2025 reform instead of dropping to a third."""

    high: int
    busy: float  # the share of months with any activity

    def draw(self, rng: random.Random, months: int, size: int) -> Series:
        return [
            sum(rng.randint(1, self.high) for _ in range(size) if rng.random() < self.busy)
            for _ in range(months)
        ]


@dataclass(frozen=True)
class Stock:
    """What a unit has at the month's end, moving by one now and then, more often up."""

    low: int
    high: int
    move: float = 0.12

    def draw(self, rng: random.Random, months: int, size: int) -> Series:
        value = rng.randint(self.low, self.high)
        values = []
        for _ in range(months):
            if rng.random() < self.move:
                value = min(self.high, max(self.low, value + rng.choice((-1, 1, 1))))
            values.append(value)
        return values


@dataclass(frozen=True)
class Flag:
    """0/1 equipment: most units have it, the others get it some month and keep it."""

    start: float
    gain: float

    def draw(self, rng: random.Random, months: int, size: int) -> Series:
        value = 1 if rng.random() < self.start else 0
        values = []
        for _ in range(months):
            if not value and rng.random() < self.gain:
                value = 1
            values.append(value)
        return values


@dataclass(frozen=True)
class Fraction:
    """A rate's numerator and denominator: a population that drifts a little (scaled by the
    number of old communes a new one merged, for populations) and a share that wanders within
    its bounds, creeping up by `creep` a month on average."""

    den_low: int
    den_high: int
    share_low: float
    share_high: float
    scaled: bool = True
    creep: float = 0.005

    def population(self, rng: random.Random, size: int) -> int:
        return rng.randint(self.den_low, self.den_high) * (size if self.scaled else 1)

    def draw(self, rng: random.Random, months: int, size: int) -> Series:
        base = self.population(rng, size)
        step = max(1, base // 60)
        share = rng.uniform(self.share_low, self.share_high)
        den, values = base, []
        for _ in range(months):
            den = max(self.den_low, den + rng.randint(-step, step))
            share += rng.uniform(-0.02, 0.02) + self.creep
            share = min(self.share_high, max(self.share_low, share))
            values.append((min(den, round(den * share)), den))
        return values


@dataclass(frozen=True)
class Part:
    """A breakdown ("of which"): a share of its total for the same unit and month, never more."""

    share_low: float
    share_high: float

    def of(self, rng: random.Random, totals: Sequence[int]) -> Series:
        share = rng.uniform(self.share_low, self.share_high)
        return [
            min(total, round(total * min(1.0, max(0.0, share + rng.uniform(-0.1, 0.1)))))
            for total in totals
        ]


# Flows are per old-commune-sized unit and month, calibrated on the documents: Quảng Ninh's
# 2,238 start-ups and 22 cooperatives over 2017-2023 and 6 classes in two quarters (171 communes),
# Huế's 2018 figures (about 150 communes: 5,886 new members, 2,260 women referred to training,
# 2,156 scholarships, 42 houses, 565 legal-education activities), Khánh Hòa's 2025 plan
# (194 old communes: 1,100 households out of poverty, 300 business owners trained, 1 cooperative,
# 5,500 new members).
PROFILES: dict[str, Profile] = {
    # DA939: start-ups
    "939-01": Flow(high=3, busy=0.08),
    "939-02": Fraction(200, 2000, 0.5, 1.0),
    "939-03": Flow(high=1, busy=0.002),
    "939-04": Flow(high=1, busy=0.01),
    "939-05": Fraction(8, 30, 0.5, 1.0, scaled=False),
    "939-06": Flow(high=1, busy=0.006),
    # DA938: social issues
    "938-01": Stock(0, 3),
    "938-03": Flow(high=2, busy=0.2),
    "938-04": Fraction(1, 3, 0.6, 1.0, scaled=False),
    "938-05": Fraction(5, 60, 0.3, 0.9),
    "938-06": Flow(high=2, busy=0.15),
    # DUAN8: gender equality in ethnic-minority and mountain areas
    "DA8-01": Stock(0, 3),
    "DA8-02": Flow(high=1, busy=0.03),
    "DA8-03": Flow(high=15, busy=0.1),
    # CTH: the Union's annual indicators
    "H-01": Flow(high=2, busy=0.3),
    "H-02": Flow(high=12, busy=0.02),
    "H-03": Flow(high=1, busy=0.0005),
    "H-04": Flow(high=7, busy=0.6),
    # Women 18+ resident, of whom 55-80% are members: H-06 (>= 60%) is neither 0 nor 100%.
    "H-05": Fraction(500, 3000, 0.55, 0.80, creep=0.0),
    "H-07": Stock(1, 4),
    "H-09": Flow(high=5, busy=0.25),
    "H-11": Flow(high=6, busy=0.35),
    "H-13": Flow(high=6, busy=0.35),
    "H-14": Flow(high=1, busy=0.02),
    "H-15": Flag(start=0.85, gain=0.15),
    "H-17": Fraction(3, 15, 0.5, 1.0),
}
# An indicator added to the catalogue later still gets plausible values, by its rule (keyed by
# the rule's value on purpose: the demo's own choice of plausible numbers, not rule behaviour).
DEFAULT_FRACTION = Fraction(200, 2000, 0.5, 1.0)
PROFILES_BY_RULE: dict[str, Profile] = {
    Rule.SUM: Flow(high=3, busy=0.3),
    Rule.CUMULATIVE: Flow(high=2, busy=0.1),
    Rule.STOCK: Stock(0, 3),
    Rule.RATE: DEFAULT_FRACTION,
}
PARTS: dict[str, Part] = {"H-12": Part(0.3, 0.8)}
DEFAULT_PART = Part(0.1, 0.5)
# Project 8's trainees are mostly ethnic-minority people in Cao Bằng (province code 04).
PARTS_BY_PROVINCE: dict[tuple[str, str], Part] = {("DA8-04", "04"): Part(0.85, 1.0)}


# --- The units of a province ------------------------------------------------------------------


@dataclass
class ProvinceUnits:
    province: Unit
    units: list[Unit]  # communes and branches, old and new, that report for this province
    in_subtree: list[Unit]  # those under the province's path (what its figures add up)
    size: dict[int, int]  # unit pk -> how many old communes it merged (1 if none)

    def at(self, level: str, month: datetime.date, *, subtree_only: bool = False) -> list[Unit]:
        units = self.in_subtree if subtree_only else self.units
        return [u for u in units if u.level == level and u.is_valid_on(month)]


def _province_units(provinces: Sequence[Unit]) -> list[ProvinceUnits]:
    """Each province's reporting units; an old commune is claimed by one province only."""
    levels = [Level.COMMUNE, Level.BRANCH]
    subtrees = [
        list(Unit.objects.subtree(p).filter(level__in=levels).order_by("path")) for p in provinces
    ]
    claimed = {u.pk for units in subtrees for u in units}
    result = []
    for province, units in zip(provinces, subtrees, strict=True):
        communes = [u for u in units if u.level == Level.COMMUNE]
        links = UnitSuccession.objects.filter(successor__in=communes)
        pairs = list(links.values_list("predecessor_id", "successor_id"))
        size = Counter(successor for _pred, successor in pairs)
        extra_ids = {pred for pred, _succ in pairs} - claimed
        extra = list(Unit.objects.filter(pk__in=extra_ids, level=Level.COMMUNE).order_by("path"))
        claimed |= extra_ids
        result.append(
            ProvinceUnits(province, units + extra, units, {u.pk: size[u.pk] or 1 for u in units})
        )
    return result


def _programs_with_results(units: ProvinceUnits) -> set[int]:
    claimed = [u.pk for u in units.units if not u.is_within(units.province)]
    condition = Q(unit__path__startswith=units.province.path) | Q(unit_id__in=claimed)
    return set(
        Result.objects.filter(condition).values_list("indicator__program_id", flat=True).distinct()
    )


# --- Reported figures -------------------------------------------------------------------------


@dataclass(frozen=True)
class Reported:
    province: Unit
    indicator: Indicator
    period: str
    first: datetime.date
    last: datetime.date
    yearly: bool
    value: int

    def months(self) -> list[datetime.date]:
        rule = rule_for(self.indicator)
        if self.yearly or rule.stores_fraction or rule.from_program_start:
            return [self.last]
        count = (self.last.year - self.first.year) * 12 + self.last.month - self.first.month + 1
        return [add_months(self.first, n) for n in range(count)]

    def blocks(self) -> tuple[datetime.date, datetime.date]:
        """The months the generator leaves alone so that the figure stays what it is."""
        if rule_for(self.indicator).from_program_start:
            return datetime.date(self.indicator.program.start_year, 1, 1), self.last
        return self.first, self.last


_YEARS = re.compile(r"^(\d{4})(?:-(\d{4}))?$")
_QUARTERS = re.compile(r"^(\d{4})-Q([1-4])(?:\.\.Q([1-4]))?$")


def parse_period(text: str) -> tuple[datetime.date, datetime.date, bool]:
    """ "2018", "2017-2023" or "2024-Q2..Q3" -> (first month, last month, whole years?)."""
    if match := _YEARS.match(text):
        first, last = int(match[1]), int(match[2] or match[1])
        return datetime.date(first, 1, 1), datetime.date(last, 12, 1), True
    if match := _QUARTERS.match(text):
        year, first_q = int(match[1]), int(match[2])
        last_q = int(match[3] or match[2])
        return (
            datetime.date(year, 3 * first_q - 2, 1),
            datetime.date(year, 3 * last_q, 1),
            False,
        )
    raise ValueError(f"unknown period {text!r}")


def read_reported(provinces: Sequence[Unit], indicators: dict[str, Indicator]) -> list[Reported]:
    """The figures of results-reported.csv for these provinces that can be results (see the
    module docstring for the ones skipped)."""
    wanted = {p.pk: p for p in provinces}
    figures = []
    with REPORTED_FILE.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            unit = province_by_name(row["province"])
            indicator = indicators.get(row["indicator"])
            if unit is None or unit.pk not in wanted or indicator is None:
                continue
            if not rule_for(indicator).entered or indicator.part_of_id is not None:
                continue
            first, last, yearly = parse_period(row["period"])
            program = indicator.program
            if first.year < program.start_year or last.year > program.end_year:
                continue
            value = int(Decimal(row["value"]))
            figures.append(
                Reported(wanted[unit.pk], indicator, row["period"], first, last, yearly, value)
            )
    return figures


def _split(rng: random.Random, total: int, count: int) -> list[int]:
    """`total` in `count` whole parts of random sizes, adding up exactly (largest remainder)."""
    weights = [rng.uniform(0.3, 1.7) for _ in range(count)]
    scale = total / sum(weights)
    exact = [w * scale for w in weights]
    parts = [int(x) for x in exact]
    by_remainder = sorted(range(count), key=lambda i: exact[i] - parts[i], reverse=True)
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _reported_rows(
    figure: Reported, units: ProvinceUnits, last_month: datetime.date
) -> list[Result]:
    indicator = figure.indicator
    cells = [
        (unit, month)
        for month in figure.months()
        if month <= last_month
        for unit in units.at(indicator.level, month, subtree_only=True)
    ]
    if not cells:
        return []
    rng = random.Random(f"reported|{units.province.code}|{indicator.code}|{figure.period}")
    if not rule_for(indicator).stores_fraction:
        return [
            Result(unit_id=unit.pk, indicator_id=indicator.pk, month=month, value=Decimal(part))
            for (unit, month), part in zip(
                cells, _split(rng, figure.value, len(cells)), strict=True
            )
        ]
    profile = PROFILES.get(indicator.code)
    fraction = profile if isinstance(profile, Fraction) else DEFAULT_FRACTION
    dens = [fraction.population(rng, units.size.get(unit.pk, 1)) for unit, _month in cells]
    # The numerators that give the province the figure: each den x rate, the rounding spread.
    wanted = min(sum(dens), round(sum(dens) * figure.value / 100))
    nums = [den * figure.value // 100 for den in dens]
    room = sorted(range(len(dens)), key=lambda i: (dens[i] * figure.value) % 100, reverse=True)
    for i in [i for i in room if nums[i] < dens[i]][: wanted - sum(nums)]:
        nums[i] += 1
    return [
        Result(
            unit_id=unit.pk,
            indicator_id=indicator.pk,
            month=month,
            numerator=Decimal(num),
            denominator=Decimal(den),
        )
        for (unit, month), num, den in zip(cells, nums, dens, strict=True)
    ]


# --- The monthly window -----------------------------------------------------------------------


def _series_rows(
    indicator: Indicator,
    unit: Unit,
    months: list[datetime.date],
    values: Series,
) -> Iterable[Result]:
    for month, value in zip(months, values, strict=True):
        if isinstance(value, tuple):
            num, den = value
            yield Result(
                unit_id=unit.pk,
                indicator_id=indicator.pk,
                month=month,
                numerator=Decimal(num),
                denominator=Decimal(den),
            )
        else:
            yield Result(
                unit_id=unit.pk, indicator_id=indicator.pk, month=month, value=Decimal(value)
            )


def _window_rows(
    program: Program,
    indicators: list[Indicator],
    units: ProvinceUnits,
    window: list[datetime.date],
    blocked: dict[str, list[tuple[datetime.date, datetime.date]]],
) -> list[Result]:
    in_phase = [m for m in window if program.start_year <= m.year <= program.end_year]
    with_parts = {i.part_of.code for i in indicators if i.part_of is not None}
    rows: list[Result] = []
    # Totals before their breakdowns, so that each breakdown is drawn from its total's values.
    totals: dict[tuple[str, int], dict[datetime.date, int]] = {}
    for indicator in sorted(indicators, key=lambda i: (i.part_of_id is not None, i.position)):
        spans = blocked.get(indicator.code, [])
        for unit in units.units:
            if unit.level != indicator.level:
                continue
            months = [
                m
                for m in in_phase
                if unit.is_valid_on(m) and not any(a <= m <= b for a, b in spans)
            ]
            if not months:
                continue
            rng = random.Random(f"{unit.code}|{unit.valid_from}|{indicator.code}")
            values: Series
            if indicator.part_of is not None:
                total = totals.get((indicator.part_of.code, unit.pk), {})
                months = [m for m in months if m in total]
                part = PARTS_BY_PROVINCE.get(
                    (indicator.code, units.province.code), PARTS.get(indicator.code, DEFAULT_PART)
                )
                values = part.of(rng, [total[m] for m in months])
            else:
                profile = PROFILES.get(indicator.code) or PROFILES_BY_RULE[indicator.rule]
                values = profile.draw(rng, len(months), units.size.get(unit.pk, 1))
                if indicator.code in with_parts:
                    totals[(indicator.code, unit.pk)] = {
                        m: v for m, v in zip(months, values, strict=True) if isinstance(v, int)
                    }
            rows.extend(_series_rows(indicator, unit, months, values))
    return rows


@transaction.atomic
def add_demo_results(provinces: list[Unit], *, last_month: datetime.date) -> int:
    """Writes the demo's results for `provinces` (see the module docstring); returns how many
    rows it created (0 on a second run)."""
    last_month = month_start(last_month)
    window = [add_months(last_month, n - WINDOW_MONTHS + 1) for n in range(WINDOW_MONTHS)]
    indicators = {
        i.code: i
        for i in Indicator.objects.select_related("program", "part_of")
        .exclude(rule=Rule.COVERAGE)
        .filter(level__in=[CollectionLevel.COMMUNE, CollectionLevel.BRANCH])
    }
    by_program: dict[int, list[Indicator]] = defaultdict(list)
    for indicator in indicators.values():
        by_program[indicator.program_id].append(indicator)
    programs = Program.objects.filter(pk__in=by_program).order_by("code")
    reported = read_reported(provinces, indicators)
    rows: list[Result] = []
    for units in _province_units(provinces):
        done = _programs_with_results(units)
        figures = [f for f in reported if f.province.pk == units.province.pk]
        for program in programs:
            if program.pk in done:
                continue
            blocked: dict[str, list[tuple[datetime.date, datetime.date]]] = defaultdict(list)
            for figure in figures:
                if figure.indicator.program_id == program.pk:
                    rows += _reported_rows(figure, units, last_month)
                    blocked[figure.indicator.code].append(figure.blocks())
            rows += _window_rows(program, by_program[program.pk], units, window, blocked)
    Result.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    if rows:
        totals.rebuild()  # bulk_create bypasses the month totals' upkeep
    return len(rows)
