from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from indicators.figures import coverage
from members.models import Member, Unit, UnitSuccession
from members.resources import MemberResource, UnitResource
from members.selectors import visible_members

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise


class ValidityFilter(admin.SimpleListFilter):
    title = _("hiệu lực")
    parameter_name = "validity"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin
    ) -> list[tuple[str, StrPromise]]:
        return [("current", _("Đang hoạt động")), ("ended", _("Đã giải thể/sáp nhập"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Unit]) -> QuerySet[Unit]:
        today = timezone.localdate()
        if self.value() == "current":
            return Unit.objects.valid_on(today).filter(pk__in=queryset.values("pk"))
        if self.value() == "ended":
            return queryset.filter(valid_to__lt=today)
        return queryset


@admin.register(Unit)
class UnitAdmin(ImportExportModelAdmin):
    resource_classes = [UnitResource]
    # Ordered by path, every unit is followed by its subtree: the list reads as the tree.
    list_display = ["tree_name", "code", "level", "valid_from", "valid_to", "is_demo"]
    list_filter = ["level", ValidityFilter, "is_demo"]
    search_fields = ["name", "short_name", "code"]
    ordering = ["path"]
    readonly_fields = ["parent", "path", "depth"]
    list_per_page = 200

    @admin.display(description=_("tên"), ordering="path")
    def tree_name(self, unit: Unit) -> str:
        # Indented by em and en spaces (1.5 em a level), not a style attribute: the
        # Content-Security-Policy allows no inline style.
        return format_html("{}{}", "\u2003\u2002" * unit.depth, unit.name)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Units come from load_units and, later, from dated restructurings: editing a path by
        # hand would corrupt the tree.
        return False

    def save_model(self, request: HttpRequest, obj: Unit, form: Any, change: bool) -> None:
        before = Unit.objects.get(pk=obj.pk) if change else None
        super().save_model(request, obj, form, change)
        if before is not None:  # the rolled-up coverage counts units by their dates
            coverage.revalidate(obj, coverage.validity(before))


@admin.register(UnitSuccession)
class UnitSuccessionAdmin(admin.ModelAdmin):
    list_display = ["predecessor", "successor", "effective_on"]
    search_fields = ["predecessor__name", "successor__name", "predecessor__code"]
    list_select_related = ["predecessor", "successor"]
    raw_id_fields = ["predecessor", "successor"]


@admin.register(Member)
class MemberAdmin(ImportExportModelAdmin):
    """New members of a branch from a file (each checked like the register's form)."""

    resource_classes = [MemberResource]
    list_display = ["full_name", "birth_year", "branch", "joined_on", "status"]
    list_filter = ["status"]
    search_fields = ["full_name", "branch__code"]
    list_select_related = ["branch"]
    raw_id_fields = ["branch"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Member]:
        """Personal data: a staff user sees the members of their own units only."""
        return visible_members(request.user)  # type: ignore[arg-type]
