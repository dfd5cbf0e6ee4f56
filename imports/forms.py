"""The upload form: a file, the unit it is for (within the user's admin scope), and optionally
the program and the period."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from accounts import access
from accounts.models import User
from common import uploads
from imports.readers.periods import parse_period
from members.models import Level, Unit
from programs.models import Program
from reports.forms import SUPERUSER_LEVELS, UnitChoice

IMPORT_LEVELS = [Level.CENTRAL, Level.PROVINCE, Level.DISTRICT, Level.COMMUNE]


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp số liệu"),
        help_text=_("Excel (.xlsx) hoặc CSV: dạng dọc hoặc biểu tổng hợp."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xlsm,.csv"}),
    )
    unit = UnitChoice(queryset=Unit.objects.none(), label=_("Đơn vị của tệp"), empty_label=None)
    program = forms.ModelChoiceField(
        queryset=Program.objects.order_by("code"),
        label=_("Chương trình"),
        required=False,
        empty_label=_("(theo tệp)"),
    )
    period = forms.CharField(
        label=_("Kỳ"),
        required=False,
        max_length=16,
        help_text=_("Để trống nếu tệp ghi kỳ. Ví dụ: 2025, 2025-06, 2025-Q2, 2025-H1."),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        levels = SUPERUSER_LEVELS if access.is_unrestricted(user) else IMPORT_LEVELS
        field = self.fields["unit"]
        assert isinstance(field, UnitChoice)
        field.queryset = (
            access.units_for(user, access.Action.IMPORT).filter(level__in=levels).order_by("path")
        )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        return uploads.clean_upload(upload, uploads.sheet_rules())

    def clean_period(self) -> str:
        text: str = self.cleaned_data["period"].strip()
        if not text:
            return ""
        try:
            return parse_period(text).label
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc
