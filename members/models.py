"""The Union hierarchy: central -> province -> district -> commune -> branch -> group.

Tree representation: a materialised path. Each unit stores `path`, the ids of its ancestors and
itself ("/1/7/42/"), so "this unit and everything under it" is one indexed prefix query
(`path LIKE '/1/7/%'`, served on PostgreSQL by the varchar_pattern_ops index Django adds for an
indexed CharField) and the ancestors come from the path itself with no recursion. Chosen over:
- adjacency list + recursive CTE: one query too, but no index can answer a whole subtree and the
  ORM cannot express it;
- nested sets (django-mptt): renumbers half the table on every insert, which bulk loads of
  ~100,000 branches and the 2025 restructuring cannot afford;
- PostgreSQL ltree: not available on the SQLite quick start.
Ordering by path keeps every subtree contiguous, which is how the admin shows the tree.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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
    level = models.CharField(_("cấp"), max_length=16, choices=Level.choices, db_index=True)
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

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip(PATH_SEP).split(PATH_SEP)[:-1] if part]

    def is_valid_on(self, day: datetime.date) -> bool:
        started = self.valid_from is None or self.valid_from <= day
        return started and (self.valid_to is None or self.valid_to >= day)

    def is_within(self, other: Unit) -> bool:
        return self.path.startswith(other.path)


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
