"""Writes to the catalogue (programs, indicators and targets) and the figures derived from
activity records."""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from indicators.catalogue.catalog import (
    Catalog,
    IndicatorRow,
    TargetRow,
    read_catalog,
    read_targets,
)
from indicators.catalogue.derived import DerivedSpec, parse_spec
from indicators.cycle import recording
from indicators.cycle.entry import ACTIVITIES, Entry, SaveSummary, is_above_level
from indicators.cycle.review import FormKey, locked_forms, reporting_unit
from indicators.models import Indicator, SubmissionState, Target
from members.models import Unit
from programs.activity_types import ensure_standard_types
from programs.models import Program

# The catalogue shipped with the portal (a copy of the source documents' tables).
DEFAULT_CATALOG_DIR = Path(__file__).resolve().parents[2] / "data" / "catalog"


def upsert(
    model: type[models.Model], lookup: dict[str, Any], values: dict[str, Any]
) -> tuple[Any, str]:
    """Creates or updates one row, touching the database only when something differs."""
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        return model._default_manager.create(**lookup, **values), "created"
    changed = [key for key, value in values.items() if getattr(obj, key) != value]
    for key in changed:
        setattr(obj, key, values[key])
    if changed:
        obj.save(update_fields=changed)
        return obj, "updated"
    return obj, "unchanged"


def _indicator_values(row: IndicatorRow, programs: dict[str, int]) -> dict[str, Any]:
    return {
        "program_id": programs[row.program],
        "name_vi": row.name_vi,
        "name_en": row.name_en,
        "unit": row.unit,
        "rule": row.rule,
        "level": row.level,
        "periodicity": row.periodicity,
        "threshold": row.threshold,
        "position": row.position,
        "derived_from": row.derived_from,
    }


def _references_first(rows: list[IndicatorRow], known: set[str]) -> list[IndicatorRow]:
    """Orders rows so that a coverage's source and a breakdown's total are written before it."""
    ordered: list[IndicatorRow] = []
    pending = list(rows)
    while pending:
        ready = [r for r in pending if {r.source, r.part_of} - {""} <= known]
        if not ready:  # a cycle of references; read_catalog reports it, this is a safeguard
            raise ValueError("circular indicator references: " + ", ".join(r.code for r in pending))
        ordered += ready
        known |= {r.code for r in ready}
        pending = [r for r in pending if r not in ready]
    return ordered


def _write(catalog: Catalog) -> dict[str, Counter[str]]:
    summary: dict[str, Counter[str]] = {
        "programs": Counter(),
        "indicators": Counter(),
        "targets": Counter(),
    }
    for p in catalog.programs:
        values = {
            "name_vi": p.name_vi,
            "name_en": p.name_en,
            "start_year": p.start_year,
            "end_year": p.end_year,
        }
        summary["programs"][upsert(Program, {"code": p.code}, values)[1]] += 1
    programs = dict(Program.objects.values_list("code", "pk"))
    ids = dict(Indicator.objects.values_list("code", "pk"))
    for row in _references_first(catalog.indicators, set(ids)):
        values = _indicator_values(row, programs)
        values |= {"source_id": ids.get(row.source), "part_of_id": ids.get(row.part_of)}
        obj, outcome = upsert(Indicator, {"code": row.code}, values)
        ids[row.code] = obj.pk
        summary["indicators"][outcome] += 1
    summary["targets"] = _write_targets(catalog.targets, ids)
    return summary


def _write_targets(rows: list[TargetRow], ids: dict[str, int]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for t in rows:
        lookup = {"unit": t.unit, "indicator_id": ids[t.indicator], "period_end": t.period_end}
        counts[upsert(Target, lookup, {"value": t.value, "note": t.note})[1]] += 1
    return counts


def load_catalog(directory: Path = DEFAULT_CATALOG_DIR) -> dict[str, Counter[str]]:
    """Loads a catalogue folder: everything or, on any bad row, nothing (CatalogError).

    Idempotent: loading the same folder again reports every row unchanged.
    """
    with transaction.atomic():
        ensure_standard_types()  # the types derived indicators may name
        return _write(read_catalog(directory))


def load_targets(path: Path, *, dry_run: bool = False) -> Counter[str]:
    """Loads a targets file in the catalogue's long shape (province or unit code, program,
    indicator, period_end, target, source): every row or, on any bad row, none (CatalogError).
    With `dry_run` the counts are computed and nothing is kept."""
    with transaction.atomic():
        ids = dict(Indicator.objects.values_list("code", "pk"))
        counts = _write_targets(read_targets(path), ids)
        if dry_run:
            transaction.set_rollback(True)
    return counts


# Figures derived from activity records. The programs app owns the activities and
# counts them; these functions say which indicators want them, where each figure goes, and
# write them through the results' one write path.


def derived_indicators(program: Program) -> list[tuple[Indicator, DerivedSpec]]:
    """The program's indicators computed from activities, with what each counts."""
    found = Indicator.objects.filter(program=program).exclude(derived_from="")
    return [(i, parse_spec(i.derived_from)) for i in found.select_related("program")]


def derived_home(unit: Unit, indicator: Indicator) -> tuple[Unit, bool] | None:
    """Where an activity run by `unit` counts for `indicator`, and whether only that unit's
    own activities make the figure there.

    Results are kept at the indicator's collection level, and every figure above it is the
    engine's sum of its subtree. So:
    - an activity of a unit at the level counts for that unit (a commune's class: the
      commune's figure, with the activities of its branches);
    - an activity of a unit below the level counts for its ancestor at the level (a branch's
      class is its commune's);
    - an activity of a unit above the level (a province-run class) counts for that unit
      itself, as a result row of its own that the month totals add to its figure and its
      ancestors' figures, never to a child's: (unit, True). None: no such ancestor.
    """
    if is_above_level(unit, indicator):
        return unit, True
    if unit.level == indicator.level:
        return unit, False
    home = Unit.objects.ancestors_of(unit).filter(level=indicator.level).first()
    return (home, False) if home is not None else None


def month_lock(unit: Unit, program: Program, month: datetime.date) -> str:
    """Why the month of the unit's form is closed to changes ("" when it is open)."""
    key = FormKey(reporting_unit(unit).pk, program.pk, month)
    submission = locked_forms({key}).get(key)
    if submission is None:
        return ""
    return _("tháng %(month)s của %(unit)s %(state)s: đã khóa, cần cấp trên mở khóa để sửa") % {
        "month": f"{month:%m/%Y}",
        "unit": submission.unit,
        "state": SubmissionState(submission.state).label.lower(),
    }


DerivedFigure = tuple[Unit, Indicator, datetime.date, Decimal]


def write_derived(figures: Sequence[DerivedFigure], *, user: User | None) -> SaveSummary:
    """Writes derived figures (unit, indicator, month, value) through `record_results`, with
    "activities" as the reason in the values' history; a zero removes the month's figure
    (no activity is no data, as for a cleared cell). Call inside the activity's transaction."""
    entries = [
        Entry(unit, indicator, month, value=value or None)
        for unit, indicator, month, value in figures
    ]
    return recording.record_results(entries, user=user, source=ACTIVITIES)
