from django.contrib import admin
from django.http import HttpRequest

from accounts.admin_scope import ScopedAdminMixin
from reports.models import ReportJob, ReportSchedule


@admin.register(ReportSchedule)
class ReportScheduleAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Admins set which province gets which program's monthly report, and on which day."""

    list_display = ["program", "unit", "format", "day", "active"]
    list_filter = ["active", "program"]
    autocomplete_fields = ["unit"]


@admin.register(ReportJob)
class ReportJobAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Read-only: jobs are made by requests and schedules, never typed in."""

    list_display = [
        "pk",
        "program",
        "unit",
        "start",
        "end",
        "format",
        "state",
        "progress",
        "requested_by",
        "created_at",
    ]
    list_filter = ["state", "format", "program"]
    readonly_fields = [f.name for f in ReportJob._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
