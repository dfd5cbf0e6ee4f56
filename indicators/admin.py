from django.contrib import admin

from indicators.models import Indicator, Target


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "name_vi", "program", "unit", "rule", "level", "periodicity"]
    list_filter = ["program", "rule", "level", "periodicity"]
    search_fields = ["code", "name_vi", "name_en"]
    list_select_related = ["program"]
    autocomplete_fields = ["source", "part_of"]


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ["indicator", "unit", "period_end", "value", "note"]
    list_filter = ["indicator__program", "period_end", "unit__level"]
    search_fields = ["indicator__code", "indicator__name_vi", "unit__name", "unit__code"]
    list_select_related = ["indicator", "unit"]
    autocomplete_fields = ["unit", "indicator"]
