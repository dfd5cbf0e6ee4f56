"""Preview and commit of a legacy file.

`plan(parsed)` compares what a reader found with the database in a few queries: per unit and
indicator, the results and targets that are new, changed (old -> new), unchanged, or blocked
(a submitted or approved month, which only the review's unlock opens). `commit(plan)` writes it
in one transaction, all or nothing: the results through indicators.cycle.recording (history reason
"import", month totals, the months' timelines), the targets through indicators.cycle.bulk. Planning
the same file again after a commit finds everything unchanged, and committing that writes
nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from common.numbers import format_number
from imports.parsed import ParsedFile, Problem, ResultCell, TargetCell
from indicators.cycle import bulk, recording
from indicators.cycle.entry import EntryError, check_entries
from indicators.models import Indicator, SubmissionState
from members.models import Unit

STATUSES = ("new", "changed", "unchanged", "blocked")
DETAILS_PER_GROUP = 12
Progress = Callable[[int], None]


class ImportRefused(Exception):
    """The file cannot be committed (it has errors); the message says so, in Vietnamese."""


def _no_progress(percent: int) -> None:
    pass


def _amount(value: Decimal | None, numerator: Decimal | None, denominator: Decimal | None) -> str:
    if value is not None:
        return format_number(value, 2)
    if numerator is None and denominator is None:
        return ""
    return f"{format_number(numerator, 2)}/{format_number(denominator, 2)}"


@dataclass
class Group:
    """One unit and indicator of the preview: counts per status and the lines that change."""

    unit: str
    indicator: str
    results: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))
    targets: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))
    details: list[dict[str, Any]] = field(default_factory=list)

    def shows(self, status: str) -> bool:
        """Whether a line of this status is listed (the counts always are)."""
        return status != "unchanged" and len(self.details) < DETAILS_PER_GROUP

    def add(self, kind: str, status: str, detail: dict[str, Any]) -> None:
        getattr(self, kind)[status] += 1
        if self.shows(status):
            self.details.append({"kind": kind, "status": status, **detail})


@dataclass
class Plan:
    parsed: ParsedFile
    new: list[bulk.LoadedEntry] = field(default_factory=list)
    changed: list[bulk.LoadedEntry] = field(default_factory=list)
    targets: list[tuple[int, int, datetime.date, Decimal]] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: {k: dict.fromkeys(STATUSES, 0) for k in ("results", "targets")}
    )
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    groups: dict[tuple[int, int], Group] = field(default_factory=dict)

    def count(self, kind: str, status: str) -> None:
        self.counts[kind][status] += 1

    def group(self, unit: Unit, indicator: Indicator) -> Group:
        key = (unit.pk, indicator.pk)
        if key not in self.groups:
            self.groups[key] = Group(f"{unit.code} {unit.name}", indicator.code)
        return self.groups[key]

    @property
    def writes(self) -> int:
        return len(self.new) + len(self.changed) + len(self.targets)


def problem_dicts(problems: Iterable[Problem], *, grouped: bool = False) -> list[dict[str, Any]]:
    """Problems as JSON; `grouped` adds what the preview lists each under (the command's JSON
    keeps the keys scripts rely on)."""
    return [
        {"row": p.row, "column": p.column, "message": p.message}
        | ({"group": p.group} if grouped else {})
        for p in problems
    ]


def _objects(parsed: ParsedFile) -> tuple[dict[int, Unit], dict[int, Indicator]]:
    cells: list[ResultCell | TargetCell] = [*parsed.results, *parsed.targets]
    units = Unit.objects.select_related("parent").in_bulk({c.unit_id for c in cells})
    indicators = Indicator.objects.select_related("program", "part_of").in_bulk(
        {c.indicator_id for c in cells}
    )
    return units, indicators


def _entries(
    parsed: ParsedFile, units: dict[int, Unit], indicators: dict[int, Indicator]
) -> list[tuple[ResultCell, bulk.LoadedEntry]]:
    return [
        (
            cell,
            bulk.LoadedEntry(
                units[cell.unit_id],
                indicators[cell.indicator_id],
                cell.month,
                cell.value,
                cell.numerator,
                cell.denominator,
                covers_months=cell.covers_months,
            ),
        )
        for cell in parsed.results
    ]


def _check(plan: Plan, pairs: list[tuple[ResultCell, bulk.LoadedEntry]]) -> None:
    """The entry rules every figure goes through (level, counts, fractions, breakdowns)."""
    cell_of = {id(entry): cell for cell, entry in pairs}
    for problem in check_entries([entry for _cell, entry in pairs], source="import"):
        cell = cell_of[id(problem.entry)]
        located = Problem(cell.row, cell.column, problem.message, problem.entry.indicator.code)
        (plan.errors if problem.blocking else plan.warnings).append(located)


def _plan_results(plan: Plan, pairs: list[tuple[ResultCell, bulk.LoadedEntry]]) -> None:
    entries = [entry for _cell, entry in pairs]
    stored = bulk.stored_results(e.key for e in entries)
    locked = recording.locked_months([e for e in entries if stored.get(e.key) != e.stored])
    for cell, entry in pairs:
        before = stored.get(entry.key)
        status = "new" if before is None else "changed" if before != entry.stored else "unchanged"
        if status != "unchanged" and entry.key in locked:
            status = "blocked"
            plan.warnings.append(
                Problem(
                    cell.row,
                    cell.column,
                    _("tháng %(month)s của %(unit)s %(state)s: không ghi đè, cần mở khóa trước")
                    % {
                        "month": f"{entry.month:%m/%Y}",
                        "unit": entry.unit.name,
                        "state": SubmissionState(locked[entry.key].state).label.lower(),
                    },
                    _("tháng đã khóa"),
                )
            )
        {"new": plan.new, "changed": plan.changed}.get(status, []).append(entry)
        plan.count("results", status)
        group = plan.group(entry.unit, entry.indicator)
        if not group.shows(status):
            group.results[status] += 1
            continue
        when = f"{entry.month:%m/%Y}"
        if entry.covers_months > 1:
            months = entry.covers_months
            when += (
                " ("
                + ngettext("%(months)s tháng", "%(months)s tháng", months) % {"months": months}
                + ")"
            )
        group.add(
            "results",
            status,
            {
                "row": cell.row,
                "when": when,
                "old": _amount(*before[:3]) if before else "",
                "new": _amount(entry.value, entry.numerator, entry.denominator),
            },
        )


def _plan_targets(
    plan: Plan, units: dict[int, Unit], indicators: dict[int, Indicator], note: str = ""
) -> None:
    cells = plan.parsed.targets
    stored = bulk.stored_targets((c.unit_id, c.indicator_id, c.period_end) for c in cells)
    for cell in cells:
        key = (cell.unit_id, cell.indicator_id, cell.period_end)
        before = stored.get(key)
        status = "new" if before is None else "changed" if before != cell.value else "unchanged"
        if status != "unchanged":
            plan.targets.append((*key, cell.value))
        plan.count("targets", status)
        plan.group(units[cell.unit_id], indicators[cell.indicator_id]).add(
            "targets",
            status,
            {
                "row": cell.row,
                "when": f"{cell.period_end:%d/%m/%Y}",
                "old": format_number(before, 2) if before is not None else "",
                "new": format_number(cell.value, 2),
            },
        )


def _outside(plan: Plan, units: dict[int, Unit], within: Unit) -> None:
    """Whatever a reader matched, nothing outside the batch's unit is written (scope)."""
    cells: list[ResultCell | TargetCell] = [*plan.parsed.results, *plan.parsed.targets]
    for cell in cells:
        unit = units[cell.unit_id]
        if not unit.is_within(within):
            plan.errors.append(
                Problem(
                    cell.row,
                    cell.column,
                    _("đơn vị %(unit)s không thuộc %(root)s") % {"unit": unit, "root": within},
                )
            )


def plan(
    parsed: ParsedFile, progress: Progress = _no_progress, *, within: Unit | None = None
) -> Plan:
    """What committing `parsed` would do, and every problem, without writing anything.
    `within`: the unit the import is for; a value for any unit outside it is an error."""
    result = Plan(parsed, errors=list(parsed.errors), warnings=list(parsed.warnings))
    units, indicators = _objects(parsed)
    if within is not None:
        _outside(result, units, within)
    pairs = _entries(parsed, units, indicators)
    _check(result, pairs)
    progress(40)
    _plan_results(result, pairs)
    progress(70)
    _plan_targets(result, units, indicators)
    result.errors.sort(key=lambda p: (p.row or 0, p.column))
    result.warnings.sort(key=lambda p: (p.row or 0, p.column))
    return result


def commit(plan: Plan, *, user: User | None, note: str = "") -> dict[str, dict[str, int]]:
    """Writes the plan in one transaction, all or nothing; refuses a plan with errors, and a
    plan with a month submitted or approved since its preview (the entry rules ran in the
    preview, on these very entries)."""
    if plan.errors:
        raise ImportRefused(
            _("Tệp còn %(count)s lỗi: chưa ghi gì. Sửa tệp rồi tải lên lại.")
            % {"count": len(plan.errors)}
        )
    try:
        with transaction.atomic():
            entries = [*plan.new, *plan.changed]
            recording.record_results(entries, user=user, source="import", checked=True)
            bulk.write_targets(plan.targets, note)
    except EntryError as exc:
        raise ImportRefused(str(exc)) from exc
    return plan.counts


def groups_json(plan: Plan) -> list[dict[str, Any]]:
    ordered = sorted(plan.groups.values(), key=lambda g: (g.unit, g.indicator))
    return [
        {
            "unit": g.unit,
            "indicator": g.indicator,
            "results": g.results,
            "targets": g.targets,
            "details": g.details,
        }
        for g in ordered
    ]


def summary(plan: Plan, name: str) -> dict[str, Any]:
    """The command's JSON object, with exactly the keys scripts rely on (file, shape, period, rows,
    results, targets, errors, warnings). Values blocked by a
    locked month are not counted as new or changed: each is a warning with its row."""
    parsed = plan.parsed

    def counts(kind: str) -> dict[str, int]:
        return {k: plan.counts[kind][k] for k in ("new", "changed", "unchanged")}

    return {
        "file": name,
        "shape": parsed.shape,
        "period": parsed.period.label if parsed.period else None,
        "rows": parsed.rows,
        "results": counts("results"),
        "targets": counts("targets"),
        "errors": problem_dicts(plan.errors),
        "warnings": problem_dicts(plan.warnings),
    }
