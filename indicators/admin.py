from django.contrib import admin
from django.http import HttpRequest
from import_export.admin import ImportExportModelAdmin

from accounts.admin_scope import ScopedAdminMixin
from common.admin_imports import IMPORT_FORMATS, GatedImportForm
from indicators.models import Indicator, Result, Target
from indicators.resources import IndicatorResource, ResultResource, TargetResource


@admin.register(Indicator)
class IndicatorAdmin(ImportExportModelAdmin):
    import_form_class = GatedImportForm
    import_formats = IMPORT_FORMATS
    resource_classes = [IndicatorResource]
    list_display = ["code", "name_vi", "program", "unit", "rule", "level", "periodicity"]
    list_filter = ["program", "rule", "level", "periodicity"]
    search_fields = ["code", "name_vi", "name_en"]
    list_select_related = ["program"]
    autocomplete_fields = ["source", "part_of"]


@admin.register(Target)
class TargetAdmin(ScopedAdminMixin, ImportExportModelAdmin):
    import_form_class = GatedImportForm
    import_formats = IMPORT_FORMATS
    resource_classes = [TargetResource]
    list_display = ["indicator", "unit", "period_end", "value", "note"]
    list_filter = ["indicator__program", "period_end", "unit__level"]
    search_fields = ["indicator__code", "indicator__name_vi", "unit__name", "unit__code"]
    list_select_related = ["indicator", "unit"]
    autocomplete_fields = ["unit", "indicator"]


@admin.register(Result)
class ResultAdmin(ScopedAdminMixin, ImportExportModelAdmin):
    """Results in the long shape: imported (upload, dry-run preview, confirm) and exported;
    changed by hand only through the entry form, which keeps the review's rules. Read-only
    here (no change, add or delete), so that the one writer (indicators.cycle.recording) stays the
    only way a figure changes: imports go through it in ResultResource, which also refuses
    rows of units outside the importing user's scope."""

    import_form_class = GatedImportForm
    import_formats = IMPORT_FORMATS
    scoped_import = True

    resource_classes = [ResultResource]
    list_display = ["indicator", "unit", "month", "value", "numerator", "denominator"]
    list_filter = ["indicator__program", "month"]
    search_fields = ["unit__code", "unit__name", "indicator__code"]
    list_select_related = ["indicator", "unit"]
    readonly_fields = ["unit", "indicator", "month", "value", "numerator", "denominator",
                       "covers_months", "updated_by"]  # fmt: skip
    exclude = ["updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
