from typing import Any

from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin_scope import ScopedAdminMixin
from common import uploads
from programs.models import Activity, ActivityType, Attachment, Program


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["code", "name_vi", "start_year", "end_year", "due_day"]
    list_editable = ["due_day"]
    search_fields = ["code", "name_vi", "name_en"]


@admin.register(ActivityType)
class ActivityTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "position", "active"]
    list_editable = ["position", "active"]

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        # The code is what derived indicators name: fixed once the type exists.
        return ["code"] if obj is not None else []


class AttachmentForm(forms.ModelForm):  # type: ignore[type-arg,unused-ignore]
    """An attachment added here passes the same upload gate as on the activity's page."""

    class Meta:
        model = Attachment
        fields = ["activity", "file", "name"]

    def clean_file(self) -> Any:
        return uploads.clean_upload(self.cleaned_data.get("file"), uploads.attachment_rules())


class AttachmentInline(admin.TabularInline):  # type: ignore[type-arg,unused-ignore]
    model = Attachment
    form = AttachmentForm
    extra = 0


@admin.register(Activity)
class ActivityAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    """Browsing and history only: writes go through the portal's pages, which keep the
    derived indicators' figures current (programs.services)."""

    list_display = ["title", "starts_on", "unit", "program", "type", "participants"]
    list_filter = ["program", "type"]
    search_fields = ["title", "unit__name"]
    inlines = [AttachmentInline]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
