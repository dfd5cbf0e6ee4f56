from django.contrib import admin

from programs.models import Program


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["code", "name_vi", "start_year", "end_year", "due_day"]
    list_editable = ["due_day"]
    search_fields = ["code", "name_vi", "name_en"]
