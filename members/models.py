"""The Union hierarchy: central -> province -> district -> commune -> branch -> group.

Tree representation: a materialised path. Each unit stores `path`, the ids of its ancestors and
itself ("/1/7/42/"), so "this unit and everything under it" is one indexed prefix query
(`path LIKE '/1/7/%'`, served on PostgreSQL by the varchar_pattern_ops index Django adds for an
indexed CharField) and the ancestors come from the path itself with no recursion. Chosen over:
- adjacency list + recursive CTE: one query too, but no index can answer a whole subtree and the
  ORM cannot express it;
- nested sets (django-mptt): renumbers half the table on every insert, which bulk loads of
  ~100,000 branches and the 2025 restructuring cannot afford;
- PostgreSQL ltree: no ORM support without a third-party field, and the prefix index already
  answers every subtree query the portal makes.
Ordering by path keeps every subtree contiguous, which is how the admin shows the tree.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.choices import label_of

if TYPE_CHECKING:
    from collections.abc import Iterable

PATH_SEP = "/"


class Level(models.TextChoices):
    CENTRAL = "central", _("Trung ương")
    PROVINCE = "province", _("Tỉnh/thành phố")
    DISTRICT = "district", _("Huyện/quận/thị xã")
    COMMUNE = "commune", _("Xã/phường/đặc khu")
    BRANCH = "branch", _("Chi hội")
    GROUP = "group", _("Tổ phụ nữ")


class UnitQuerySet(models.QuerySet["Unit"]):
    def subtree(self, unit: Unit, *, include_self: bool = True) -> UnitQuerySet:
        """The unit and all its descendants, in one indexed prefix query."""
        qs = self.filter(path__startswith=unit.path)
        return qs if include_self else qs.exclude(pk=unit.pk)

    def within_any(self, units: Iterable[Unit]) -> UnitQuerySet:
        """Every unit in the subtree of any of `units` (a user's assignments)."""
        condition = Q()
        for unit in units:
            condition |= Q(path__startswith=unit.path)
        return self.filter(condition) if condition else self.none()

    def ancestors_of(self, unit: Unit, *, include_self: bool = False) -> UnitQuerySet:
        ids = unit.ancestor_ids() + ([unit.pk] if include_self else [])
        return self.filter(pk__in=ids).order_by("depth")

    def valid_on(self, day: datetime.date) -> UnitQuerySet:
        return self.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=day),
            Q(valid_to__isnull=True) | Q(valid_to__gte=day),
        )

    def current(self) -> UnitQuerySet:
        return self.valid_on(timezone.localdate())

    def at_level(self, level: str) -> UnitQuerySet:
        return self.filter(level=level)


class Unit(models.Model):
    level = models.CharField(_("cấp"), max_length=16, choices=Level, db_index=True)
    # Statistics-office code as text with its leading zeros ("04", "01273"); blank when none.
    code = models.CharField(_("mã"), max_length=20, blank=True, db_index=True)
    name = models.CharField(_("tên"), max_length=200)
    short_name = models.CharField(_("tên ngắn"), max_length=200, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("đơn vị cấp trên"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    is_demo = models.BooleanField(_("dữ liệu mẫu"), default=False)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("đơn vị")
        verbose_name_plural = _("đơn vị")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "code"],
                condition=~Q(code=""),
                name="unit_code_unique_under_parent",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="unit_valid_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_level_display(self) -> str:  # type: ignore[no-redef]  # common.choices: cheaper
        return label_of(Level, self.level)

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip(PATH_SEP).split(PATH_SEP)[:-1] if part]

    def is_valid_on(self, day: datetime.date) -> bool:
        started = self.valid_from is None or self.valid_from <= day
        return started and (self.valid_to is None or self.valid_to >= day)

    def is_within(self, other: Unit) -> bool:
        return self.path.startswith(other.path)

    def province_pk(self) -> int | None:
        """The id of the province this unit is in (itself for a province), from the path: the
        ancestor at depth 1. None for the central unit."""
        ids = [int(part) for part in self.path.strip(PATH_SEP).split(PATH_SEP) if part]
        return ids[1] if len(ids) > 1 else None


class UnitSuccession(models.Model):
    """A dated link from a unit that ceased to the unit that took over its area (a merger)."""

    predecessor = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="successor_links", verbose_name=_("đơn vị cũ")
    )
    successor = models.ForeignKey(
        Unit,
        on_delete=models.CASCADE,
        related_name="predecessor_links",
        verbose_name=_("đơn vị mới"),
    )
    effective_on = models.DateField(_("ngày hiệu lực"))

    class Meta:
        verbose_name = _("sáp nhập đơn vị")
        verbose_name_plural = _("sáp nhập đơn vị")
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="succession_unique")
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor}"


# --- The member register (hội viên) -------------------------------------------------------
#
# Personal data (Decree 13/2023/NĐ-CP): a member's name never appears in `__str__` (the admin's
# action log and error reports print it), every query that returns members goes through
# members.selectors.visible_members, and who changed a member is kept by django-simple-history
# (Member.history), whose rows anonymisation erases along with the member's own
# (members.services.anonymise_member).


class MemberStatus(models.TextChoices):
    ACTIVE = "active", _("Đang sinh hoạt")
    MOVED = "moved", _("Chuyển đi nơi khác")
    LEFT = "left", _("Ra khỏi Hội")
    DECEASED = "deceased", _("Đã mất")


class Household(models.TextChoices):
    NONE = "", _("Không thuộc diện nghèo/cận nghèo")
    POOR = "poor", _("Hộ nghèo")
    NEAR_POOR = "near_poor", _("Hộ cận nghèo")


class MemberQuerySet(models.QuerySet["Member"]):
    def in_units(self, units: models.QuerySet[Unit]) -> MemberQuerySet:
        """Members whose current branch is one of `units` (a subquery, never a Python list)."""
        return self.filter(branch__in=units.values("pk"))

    def in_subtree(self, unit: Unit) -> MemberQuerySet:
        return self.in_provinces([unit]).filter(branch__path__startswith=unit.path)

    def in_provinces(self, units: Iterable[Unit]) -> MemberQuerySet:
        """Narrows to the provinces of `units` by the denormalised column, so PostgreSQL can
        use the per-province indexes; unchanged when a unit is the central one (all provinces).
        A pre-filter only: callers still filter by branch for the exact scope."""
        provinces = {unit.province_pk() for unit in units}
        if not provinces or None in provinces:
            return self
        return self.filter(province_id__in=sorted(p for p in provinces if p is not None))

    def named(self) -> MemberQuerySet:
        """Members whose personal data is still held (not anonymised on request)."""
        return self.filter(anonymised_at__isnull=True)

    def active(self) -> MemberQuerySet:
        return self.filter(status=MemberStatus.ACTIVE)


class Member(models.Model):
    full_name = models.CharField(_("họ và tên"), max_length=120)
    # fold(full_name): lower case, no diacritics, đ -> d, single spaces. Searched by words with
    # LIKE '%word%', served on PostgreSQL by a pg_trgm GIN index (migration 0003).
    name_folded = models.CharField(max_length=120, editable=False, default="")
    birth_year = models.PositiveSmallIntegerField(_("năm sinh"), null=True, blank=True)
    birth_date = models.DateField(_("ngày sinh"), null=True, blank=True)
    ethnicity = models.CharField(_("dân tộc"), max_length=2, blank=True)
    religion = models.CharField(_("tôn giáo"), max_length=60, blank=True)
    phone = models.CharField(_("số điện thoại"), max_length=20, blank=True)
    branch = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="members", verbose_name=_("chi hội")
    )
    # The branch's province (Unit.province_pk), copied by the services whenever the branch is
    # set (add, import, move; a unit never changes province). A province's search then reads
    # only its own part of the name index (migration 0005), not the whole country's.
    province = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        db_index=False,  # served by the (province, name) indexes of migration 0005
        verbose_name=_("tỉnh/thành phố"),
    )
    joined_on = models.DateField(_("ngày vào Hội"))
    status = models.CharField(
        _("tình trạng"), max_length=16, choices=MemberStatus, default=MemberStatus.ACTIVE
    )
    status_on = models.DateField(_("ngày của tình trạng"))
    household = models.CharField(
        _("hộ nghèo/cận nghèo"), max_length=16, choices=Household, blank=True, default=""
    )
    has_disability = models.BooleanField(_("khuyết tật"), default=False)
    is_business_owner = models.BooleanField(_("chủ cơ sở kinh doanh"), default=False)
    anonymised_at = models.DateTimeField(_("ẩn danh lúc"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MemberQuerySet.as_manager()
    # Who changed what, when (the admin's history page); the folded name is derived, not kept.
    history = HistoricalRecords(excluded_fields=["name_folded"])

    class Meta:
        verbose_name = _("hội viên")
        verbose_name_plural = _("hội viên")
        ordering = ["name_folded", "pk"]
        indexes = [
            models.Index(fields=["branch", "status"], name="member_branch_status"),
            models.Index(fields=["branch", "name_folded"], name="member_branch_name"),
            # The register's order: a wide scope's first page walks this index and stops.
            models.Index(fields=["name_folded", "id"], name="member_name_order"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status_on__gte=models.F("joined_on")),
                name="member_status_after_joining",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"

    def place_in(self, branch: Unit) -> None:
        """Sets the branch and the province that goes with it (every write of the branch)."""
        province = branch.province_pk()
        if province is None:
            raise ValueError("a member's branch is under a province")
        self.branch, self.province_id = branch, province

    @property
    def is_ethnic_minority(self) -> bool:
        from members.ethnicities import is_minority

        return is_minority(self.ethnicity)

    @property
    def ethnicity_name(self) -> str:
        from members.ethnicities import NAMES

        return NAMES.get(self.ethnicity, "")

    @property
    def is_anonymised(self) -> bool:
        return self.anonymised_at is not None

    def age_on(self, day: datetime.date) -> int | None:
        if self.birth_date is not None:
            before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
            return day.year - self.birth_date.year - before_birthday
        return None if self.birth_year is None else day.year - self.birth_year


class Membership(models.Model):
    """A stretch of a member's time in one branch: from joining (or moving in) to moving out,
    leaving or death (`ended_on`, the first day no longer counted there). A move closes one and
    opens the next, so the register answers "how many members had X at any past date" and a
    member's history survives moves."""

    class EndReason(models.TextChoices):
        MOVED = "moved", _("Chuyển chi hội/đơn vị")
        LEFT = "left", _("Ra khỏi Hội")
        DECEASED = "deceased", _("Đã mất")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="memberships")
    branch = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="memberships")
    started_on = models.DateField()
    # True when this stretch began with joining the Union (a new member), False for a move in.
    joined = models.BooleanField(default=True)
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=16, choices=EndReason.choices, blank=True)

    class Meta:
        ordering = ["started_on", "pk"]
        indexes = [
            models.Index(fields=["branch", "started_on"], name="membership_branch_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="membership_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.member_id} · {self.branch_id} · {self.started_on}"


class ExportSource(models.TextChoices):
    REGISTER = "register", _("Trang sổ hội viên")
    ADMIN = "admin", _("Trang quản trị")


class MemberExport(models.Model):
    """Each export of the register: who, when, from where, for which unit, which choices were
    set (branch, status, flag, age group), how many rows. Never the rows, and never the name
    searched for: a searched name is personal data typed by the user, and the record says only
    that the export was narrowed by a name (MemberFilter.as_record)."""

    user = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("người xuất")
    )
    at = models.DateTimeField(_("lúc"), default=timezone.now)
    source = models.CharField(
        _("xuất từ"), max_length=16, choices=ExportSource, default=ExportSource.REGISTER
    )
    # The unit the export was of: the branch chosen, else the user's widest unit (None for a
    # superuser's national export). The admin's log of exports is scoped by it.
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("đơn vị"),
    )
    filters = models.JSONField(_("bộ lọc"), default=dict)
    row_count = models.PositiveIntegerField(_("số dòng"))

    class Meta:
        verbose_name = _("lần xuất danh sách hội viên")
        verbose_name_plural = _("các lần xuất danh sách hội viên")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.user} · {self.at:%d/%m/%Y %H:%M} · {self.row_count}"


class MemberCardView(models.Model):
    """Each opening of a member's card (the register's page or the admin's): who, when, which
    member, of which branch at the time. Read in the admin by those who may see the branch."""

    user = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("người xem")
    )
    at = models.DateTimeField(_("lúc"), default=timezone.now)
    member = models.ForeignKey(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("hội viên"),
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("chi hội")
    )
    source = models.CharField(
        _("xem từ"), max_length=16, choices=ExportSource, default=ExportSource.REGISTER
    )

    class Meta:
        verbose_name = _("lần xem thẻ hội viên")
        verbose_name_plural = _("các lần xem thẻ hội viên")
        ordering = ["-at"]
        indexes = [models.Index(fields=["unit", "at"], name="member_card_view_unit_at")]

    def __str__(self) -> str:
        return f"{self.user} · {self.at:%d/%m/%Y %H:%M} · #{self.member_id}"


class BranchMonthCount(models.Model):
    """A branch's register figures as of the end of one month, kept by the register's services
    in the transaction of each write (members/month_counts.py), so the figures page sums a few
    rows per branch instead of counting memberships.

    Rows are dense from the month of the branch's first membership event to the month of its
    last one; the last row (is_last) also stands for every later month. `joined_total` counts
    memberships begun by joining the Union up to the month's end (new members of months A..B =
    joined_total(B) - joined_total(A - 1)); `active` the memberships active at its end."""

    pk = models.CompositePrimaryKey("branch_id", "month")
    branch = models.ForeignKey(
        Unit,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # the primary key's
    )
    month = models.DateField()
    # The branch's province (a unit never changes province): a province reads its own rows.
    # Derived from the branch, so not checked by the database a second time.
    province = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    joined_total = models.IntegerField(default=0)
    active = models.IntegerField(default=0)
    is_last = models.BooleanField(default=False)

    class Meta:
        # Covering: the figures page reads only these columns, so PostgreSQL answers it from
        # the indexes alone (index-only scans), not from one heap page per branch and month
        # (the table is in branch order; 100,000 branches a month nationally). The last rows
        # by month first: the centre asks for every province's last rows before a month, a
        # range of this index, not all of it.
        indexes = [
            models.Index(
                fields=["month", "province"],
                include=["branch", "joined_total", "active"],
                name="month_count_month",
            ),
            models.Index(
                fields=["month", "province"],
                include=["branch", "joined_total", "active"],
                condition=Q(is_last=True),
                name="month_count_last",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.branch_id} · {self.month:%Y-%m}"
