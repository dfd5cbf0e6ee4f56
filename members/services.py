"""Writes to the Union hierarchy. Every unit is created here so that `path` and `depth` are
always right."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import CharField, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils.translation import gettext as _

from members import gazetteer
from members.gazetteer import UnitSpec
from members.models import PATH_SEP, Level, Unit, UnitSuccession

CENTRAL_NAME = "Trung ương Hội Liên hiệp Phụ nữ Việt Nam"
_SYNCED_FIELDS = ["level", "name", "short_name", "valid_from", "valid_to"]


class UnknownProvinceError(ValueError):
    pass


def insert_units(units: Sequence[Unit], *, batch_size: int = 5000) -> list[Unit]:
    """Bulk-insert new units whose parents are already saved, filling `depth` and `path`.

    Two statements per batch whatever its size: the insert, then one UPDATE that writes each
    path from its parent's (the ids are known only after the insert). The same path is set on
    the Python objects, so they can be parents in the next call.
    """
    for unit in units:
        unit.depth = unit.parent.depth + 1 if unit.parent else 0
        unit.short_name = unit.short_name or gazetteer.short_name_of(unit.name)
    created = Unit.objects.bulk_create(units, batch_size=batch_size)
    parent_path = Unit.objects.filter(pk=OuterRef("parent_id")).values("path")
    for start in range(0, len(created), batch_size):
        batch = created[start : start + batch_size]
        Unit.objects.filter(pk__in=[u.pk for u in batch]).update(
            path=Concat(
                Coalesce(Subquery(parent_path), Value(PATH_SEP)),
                Cast("pk", CharField()),
                Value(PATH_SEP),
            )
        )
    for unit in created:
        unit.path = f"{unit.parent.path if unit.parent else PATH_SEP}{unit.pk}{PATH_SEP}"
    return created


def create_unit(
    *,
    level: str,
    name: str,
    parent: Unit | None = None,
    code: str = "",
    short_name: str = "",
    valid_from: datetime.date | None = None,
    valid_to: datetime.date | None = None,
    is_demo: bool = False,
) -> Unit:
    unit = Unit(
        level=level,
        name=name,
        parent=parent,
        code=code,
        short_name=short_name,
        valid_from=valid_from,
        valid_to=valid_to,
        is_demo=is_demo,
    )
    return insert_units([unit])[0]


def get_or_create_central() -> Unit:
    central = Unit.objects.filter(level=Level.CENTRAL, parent=None).first()
    return central or create_unit(level=Level.CENTRAL, name=CENTRAL_NAME, short_name="Trung ương")


@dataclass
class SyncCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: SyncCounts) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged


def _apply_spec(unit: Unit, spec: UnitSpec) -> bool:
    """Copies the spec onto an existing unit; True if anything changed."""
    wanted = {
        "level": spec.level,
        "name": spec.name,
        "short_name": spec.short_name,
        "valid_from": spec.valid_from,
        "valid_to": spec.valid_to,
    }
    changed = any(getattr(unit, key) != value for key, value in wanted.items())
    for key, value in wanted.items():
        setattr(unit, key, value)
    return changed


def sync_children(
    groups: Sequence[tuple[Unit, Sequence[UnitSpec]]], counts: SyncCounts
) -> list[tuple[Unit, UnitSpec]]:
    """Makes the children of each parent match the specs (matched by code), in three queries."""
    parents = [parent for parent, _specs in groups]
    existing = {(u.parent_id, u.code): u for u in Unit.objects.filter(parent__in=parents)}
    new: list[Unit] = []
    changed: list[Unit] = []
    result: list[tuple[Unit, UnitSpec]] = []
    for parent, specs in groups:
        for spec in specs:
            unit = existing.get((parent.pk, spec.code))
            if unit is None:
                unit = Unit(parent=parent, code=spec.code)
                _apply_spec(unit, spec)
                new.append(unit)
            elif _apply_spec(unit, spec):
                changed.append(unit)
            result.append((unit, spec))
    insert_units(new)
    Unit.objects.bulk_update(changed, _SYNCED_FIELDS, batch_size=2000)
    counts.created += len(new)
    counts.updated += len(changed)
    counts.unchanged += len(result) - len(new) - len(changed)
    return result


def sync_tree(groups: Sequence[tuple[Unit, Sequence[UnitSpec]]], counts: SyncCounts) -> None:
    """`sync_children` level by level down the specs' trees."""
    while groups:
        synced = sync_children(groups, counts)
        groups = [(unit, spec.children) for unit, spec in synced if spec.children]


@dataclass
class ProvinceLoad:
    province: Unit
    communes: int
    legacy_provinces: int
    legacy_districts: int
    legacy_communes: int
    successions: int
    counts: SyncCounts = field(default_factory=SyncCounts)


def _load_province(central: Unit, spec: gazetteer.ProvinceSpec, with_legacy: bool) -> ProvinceLoad:
    counts = SyncCounts()
    current = spec.current
    # A legacy province with the current code is the same Union unit, continuing after 2025.
    continuing = [lp for lp in spec.legacy if lp.code == current.code] if with_legacy else []
    merged_in = [lp for lp in spec.legacy if lp.code != current.code] if with_legacy else []
    top = sync_children([(central, [current, *merged_in])], counts)
    province = top[0][0]
    groups: list[tuple[Unit, Sequence[UnitSpec]]] = [
        (province, current.children + [d for lp in continuing for d in lp.children])
    ]
    groups += [(unit, s.children) for unit, s in top[1:]]
    sync_tree(groups, counts)
    links = _link_successions(province, spec) if with_legacy else 0
    return ProvinceLoad(
        province=province,
        communes=len(current.children),
        legacy_provinces=len(spec.legacy) if with_legacy else 0,
        legacy_districts=sum(len(lp.children) for lp in spec.legacy) if with_legacy else 0,
        legacy_communes=sum(len(d.children) for lp in spec.legacy for d in lp.children)
        if with_legacy
        else 0,
        successions=links,
        counts=counts,
    )


def _link_successions(province: Unit, spec: gazetteer.ProvinceSpec) -> int:
    legacy_codes = [lp.code for lp in spec.legacy]
    legacy_roots = Unit.objects.filter(
        level=Level.PROVINCE, code__in=legacy_codes, parent=province.parent
    )
    old = {
        u.code: u
        for u in Unit.objects.within_any(legacy_roots).filter(
            level=Level.COMMUNE, valid_to=gazetteer.LEGACY_END
        )
    }
    new = {
        u.code: u
        for u in Unit.objects.filter(
            parent=province, level=Level.COMMUNE, valid_from=gazetteer.REFORM_DATE
        )
    }
    links = [
        UnitSuccession(
            predecessor=old[old_code],
            successor=new[new_code],
            effective_on=gazetteer.REFORM_DATE,
        )
        for old_code, new_code in spec.successions
        if old_code in old and new_code in new
    ]
    UnitSuccession.objects.bulk_create(links, ignore_conflicts=True, batch_size=2000)
    return len(links)


@transaction.atomic
def load_units(names: Iterable[str], *, with_legacy: bool = True) -> list[ProvinceLoad]:
    """Builds (or brings up to date) the real units of the named provinces. Idempotent."""
    specs = []
    for name in names:
        try:
            specs.append(gazetteer.read_province(name))
        except (LookupError, ValueError) as exc:
            raise UnknownProvinceError(
                _("Không tìm thấy tỉnh/thành phố «%(name)s» trong danh mục đơn vị hành chính.")
                % {"name": name}
            ) from exc
    central = get_or_create_central()
    return [_load_province(central, spec, with_legacy) for spec in specs]
