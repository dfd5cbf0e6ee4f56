"""Writes to the Union hierarchy. Every unit is created here so that `path` and `depth` are
always right."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import CharField, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from members import ethnicities, gazetteer, month_counts, search_index
from members.gazetteer import UnitSpec
from members.models import (
    PATH_SEP,
    ExportSource,
    Household,
    Level,
    Member,
    MemberCardView,
    MemberExport,
    Membership,
    MemberStatus,
    Unit,
    UnitSuccession,
)
from members.text import clean_name, fold

if TYPE_CHECKING:
    from accounts.models import User

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
    if any(unit.level == Level.PROVINCE for unit in created):
        search_index.sync_province_indexes()  # a new province gets its name indexes
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
    merged_in = (
        [_as_merged_in(lp) for lp in spec.legacy if lp.code != current.code] if with_legacy else []
    )
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


def _as_merged_in(legacy: UnitSpec) -> UnitSpec:
    """A legacy province merged into this one. When a current province kept its code (Tiền
    Giang's 82 is Đồng Tháp's now, and part of Tiền Giang went to Tây Ninh), that code's unit
    is the current province: it keeps the current name and no end date, whichever province is
    loaded first; only its old districts are brought in here."""
    name = gazetteer.current_province_names().get(legacy.code)
    if name is None:
        return legacy
    return UnitSpec(legacy.level, legacy.code, name, children=legacy.children)


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


# --- The member register ------------------------------------------------------------------
#
# Every write to a member goes through these functions: they check the user's scope, keep the
# memberships (the history the counts are computed from) in step with the member's status and
# branch, and store the folded name the search reads. Messages name the field and the reason.


class MemberError(ValueError):
    """A refused change, with the field it concerns ("" for the whole member)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(message)


class MemberRefused(PermissionError):
    """The user may not change members of this unit."""


@dataclass
class MemberData:
    """The personal fields of a member, as typed in the form or read from an import row."""

    full_name: str
    birth_year: int | None = None
    birth_date: datetime.date | None = None
    ethnicity: str = ethnicities.KINH
    religion: str = ""
    phone: str = ""
    household: str = Household.NONE
    has_disability: bool = False
    is_business_owner: bool = False


EARLIEST_BIRTH_YEAR = 1900
MIN_AGE = 18  # Điều lệ Hội: phụ nữ Việt Nam từ 18 tuổi trở lên
_PHONE = re.compile(r"^\+?[0-9 .]{8,15}$")


def check_member_data(data: MemberData, *, today: datetime.date | None = None) -> list[MemberError]:
    """Every problem of the personal fields, in the order of the form."""
    today = today or timezone.localdate()
    problems = []
    name = clean_name(data.full_name)
    if not name:
        problems.append(MemberError("full_name", _("Họ và tên: chưa nhập.")))
    elif len(name.split()) < 2:
        problems.append(MemberError("full_name", _("Họ và tên: cần cả họ và tên.")))
    year = data.birth_date.year if data.birth_date else data.birth_year
    if year is None:
        problems.append(MemberError("birth_year", _("Năm sinh: chưa nhập (năm hoặc ngày sinh).")))
    elif not EARLIEST_BIRTH_YEAR <= year <= today.year - MIN_AGE:
        problems.append(
            MemberError(
                "birth_year",
                _("Năm sinh %(year)s: hội viên phải từ %(age)s tuổi trở lên, sinh sau năm 1900.")
                % {"year": year, "age": MIN_AGE},
            )
        )
    elif data.birth_date and data.birth_year and data.birth_year != data.birth_date.year:
        problems.append(
            MemberError("birth_year", _("Năm sinh không khớp với ngày sinh.")),
        )
    if data.ethnicity not in ethnicities.NAMES:
        problems.append(MemberError("ethnicity", _("Dân tộc: không có trong danh mục 54 dân tộc.")))
    if data.phone and not _PHONE.match(data.phone.strip()):
        problems.append(MemberError("phone", _("Số điện thoại: chỉ gồm chữ số, từ 8 đến 15 số.")))
    if data.household not in Household.values:
        problems.append(MemberError("household", _("Hộ nghèo/cận nghèo: giá trị không hợp lệ.")))
    return problems


def _apply_member_data(member: Member, data: MemberData) -> None:
    member.full_name = clean_name(data.full_name)
    member.name_folded = fold(member.full_name)
    member.birth_date = data.birth_date
    member.birth_year = data.birth_date.year if data.birth_date else data.birth_year
    member.ethnicity = data.ethnicity
    member.religion = data.religion.strip()
    member.phone = data.phone.strip()
    member.household = data.household
    member.has_disability = data.has_disability
    member.is_business_owner = data.is_business_owner


def ensure_may_edit(user: User, branch: Unit) -> None:
    from accounts import access

    if not access.can_edit_members(user, branch):
        raise MemberRefused(_("Bạn không được cập nhật hội viên của đơn vị này."))


def _check_branch(branch: Unit, day: datetime.date) -> None:
    if branch.level != Level.BRANCH:
        raise MemberError("branch", _("Chi hội: hội viên thuộc một chi hội, không thuộc cấp này."))
    if not branch.is_valid_on(day):
        raise MemberError(
            "branch",
            _("Chi hội %(branch)s không hoạt động vào ngày %(day)s.")
            % {"branch": branch.name, "day": f"{day:%d/%m/%Y}"},
        )


def _check_day(field: str, day: datetime.date, label: str) -> None:
    if day > timezone.localdate():
        raise MemberError(
            field, _("%(label)s: không thể là một ngày trong tương lai.") % {"label": label}
        )


def new_member(*, branch: Unit, joined_on: datetime.date, data: MemberData) -> Member:
    """A member built and checked but not saved (the import previews these)."""
    problems = check_member_data(data)
    if problems:
        raise problems[0]
    _check_day("joined_on", joined_on, _("Ngày vào Hội"))
    _check_branch(branch, joined_on)
    member = Member(joined_on=joined_on, status=MemberStatus.ACTIVE, status_on=joined_on)
    member.place_in(branch)
    _apply_member_data(member, data)
    return member


def save_new_members(members: Sequence[Member], *, batch_size: int = 5000) -> list[Member]:
    """Inserts checked members with their first membership, in two bulk statements a batch.
    Each member's province is set from its branch here, whoever built the member."""
    for member in members:
        member.place_in(member.branch)
    # With their first history row (who added them, from the request, when there is one).
    created = bulk_create_with_history(
        members, Member, batch_size=batch_size, default_change_reason="add"
    )
    memberships = Membership.objects.bulk_create(
        [Membership(member=m, branch=m.branch, started_on=m.joined_on) for m in created],
        batch_size=batch_size,
    )
    month_counts.record(after=memberships)
    return created


@transaction.atomic
def add_member(*, user: User, branch: Unit, joined_on: datetime.date, data: MemberData) -> Member:
    ensure_may_edit(user, branch)
    return save_new_members([new_member(branch=branch, joined_on=joined_on, data=data)])[0]


def _current_membership(member: Member) -> Membership | None:
    return (
        Membership.objects.select_for_update()
        .filter(member=member, ended_on__isnull=True)
        .order_by("-started_on")
        .first()
    )


@transaction.atomic
def update_member(
    *, user: User, member: Member, data: MemberData, joined_on: datetime.date | None = None
) -> Member:
    """Changes the personal fields (and the join date while the member never moved)."""
    ensure_may_edit(user, member.branch)
    if member.is_anonymised:
        raise MemberError("", _("Hội viên đã được ẩn danh: không sửa được."))
    problems = check_member_data(data)
    if problems:
        raise problems[0]
    _apply_member_data(member, data)
    if joined_on is not None and joined_on != member.joined_on:
        _check_day("joined_on", joined_on, _("Ngày vào Hội"))
        memberships = list(member.memberships.all())
        if len(memberships) != 1 or member.status != MemberStatus.ACTIVE:
            raise MemberError(
                "joined_on",
                _("Ngày vào Hội: không sửa được khi hội viên đã chuyển hoặc đổi tình trạng."),
            )
        before = month_counts.Stretch.of(memberships[0])
        memberships[0].started_on = joined_on
        memberships[0].save(update_fields=["started_on"])
        month_counts.record(before=[before], after=[memberships[0]])
        member.joined_on = member.status_on = joined_on
    member.save()
    return member


_END_REASONS = {
    MemberStatus.MOVED: Membership.EndReason.MOVED,
    MemberStatus.LEFT: Membership.EndReason.LEFT,
    MemberStatus.DECEASED: Membership.EndReason.DECEASED,
}


@transaction.atomic
def change_status(*, user: User, member: Member, status: str, on: datetime.date) -> Member:
    """Active -> moved away, left or deceased closes the membership on `on` (the first day the
    member is no longer counted); moved or left -> active is a return to the Union and opens a
    new one. A deceased member's status is final."""
    ensure_may_edit(user, member.branch)
    _check_day("status_on", on, _("Ngày"))
    if status not in MemberStatus.values:
        raise MemberError("status", _("Tình trạng: giá trị không hợp lệ."))
    if status == member.status:
        raise MemberError("status", _("Hội viên đã ở tình trạng này."))
    if member.status == MemberStatus.DECEASED:
        raise MemberError("status", _("Hội viên đã mất: không đổi được tình trạng."))
    if on < member.status_on:
        raise MemberError(
            "status_on",
            _("Ngày %(day)s: trước ngày của tình trạng hiện tại (%(current)s).")
            % {"day": f"{on:%d/%m/%Y}", "current": f"{member.status_on:%d/%m/%Y}"},
        )
    if status == MemberStatus.ACTIVE:
        _check_branch(member.branch, on)
        opened = Membership.objects.create(member=member, branch=member.branch, started_on=on)
        month_counts.record(after=[opened])
    else:
        current = _current_membership(member)
        if current is not None:
            if on < current.started_on:
                raise MemberError("status_on", _("Ngày: trước ngày hội viên đến chi hội này."))
            before = month_counts.Stretch.of(current)
            current.ended_on, current.end_reason = on, _END_REASONS[MemberStatus(status)]
            current.save(update_fields=["ended_on", "end_reason"])
            month_counts.record(before=[before], after=[current])
    member.status, member.status_on = status, on
    member.save(update_fields=["status", "status_on", "updated_at"])
    return member


def check_move(member: Member, to_branch: Unit, on: datetime.date) -> None:
    """The rules of a move that do not depend on who moves (MemberError when refused)."""
    if member.status != MemberStatus.ACTIVE:
        raise MemberError("to_branch", _("Chỉ chuyển được hội viên đang sinh hoạt."))
    if to_branch.pk == member.branch_id:
        raise MemberError("to_branch", _("Hội viên đã ở chi hội này."))
    _check_branch(to_branch, on)


@transaction.atomic
def move_member(*, user: User, member: Member, to_branch: Unit, on: datetime.date) -> Member:
    """Moves an active member to another branch: the old membership ends on `on`, a new one
    starts the same day (not a new member), and the history of both stays."""
    ensure_may_edit(user, member.branch)
    ensure_may_edit(user, to_branch)
    _check_day("moved_on", on, _("Ngày chuyển"))
    check_move(member, to_branch, on)
    current = _current_membership(member)
    before: list[month_counts.Stretch] = []
    after: list[Membership] = []
    if current is not None:
        if on < current.started_on:
            raise MemberError("moved_on", _("Ngày chuyển: trước ngày hội viên đến chi hội này."))
        before.append(month_counts.Stretch.of(current))
        current.ended_on, current.end_reason = on, Membership.EndReason.MOVED
        current.save(update_fields=["ended_on", "end_reason"])
        after.append(current)
    after.append(
        Membership.objects.create(member=member, branch=to_branch, started_on=on, joined=False)
    )
    month_counts.record(before=before, after=after)
    member.place_in(to_branch)
    member.save(update_fields=["branch", "province", "updated_at"])
    return member


ANONYMOUS_NAME = "—"


@transaction.atomic
def anonymise_member(*, user: User, member: Member) -> Member:
    """Erases the personal fields on the member's request (Decree 13/2023, art. 16). The row,
    its branch, join date, status and memberships stay, so every count stays true."""
    ensure_may_edit(user, member.branch)
    member.full_name = ANONYMOUS_NAME
    member.name_folded = ""
    member.birth_year = member.birth_date = None
    member.ethnicity = member.religion = member.phone = member.household = ""
    member.has_disability = member.is_business_owner = False
    member.anonymised_at = timezone.now()
    member._change_reason = "anonymise"  # type: ignore[attr-defined]
    member.save()
    # The history keeps every past version: they lose the personal fields too, or the request
    # would be honoured only on the surface. Who changed what, and when, stays.
    member.history.update(
        full_name=ANONYMOUS_NAME, birth_year=None, birth_date=None, ethnicity="", religion="",
        phone="", household="", has_disability=False, is_business_owner=False,
    )  # fmt: skip
    from members import import_files

    import_files.discard_branch(member.branch_id)  # a pending upload may hold the name
    return member


def record_export(
    *,
    user: User,
    filters: dict[str, str],
    row_count: int,
    unit: Unit | None = None,
    source: str = ExportSource.REGISTER,
) -> MemberExport:
    return MemberExport.objects.create(
        user=user, filters=filters, row_count=row_count, unit=unit, source=source
    )


def record_card_view(*, user: User, member: Member, source: str = ExportSource.REGISTER) -> None:
    """Notes that `user` opened `member`'s card (the admin's log of personal-data reads)."""
    MemberCardView.objects.create(user=user, member=member, unit_id=member.branch_id, source=source)
