"""The report request form: only programs, and units the user may see, can be picked."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts import access
from accounts.models import User
from common.dates import BAD_MONTH, MonthInput, parse_month_text
from common.periods import previous_month
from members.models import Level, Unit
from programs.models import Program
from reports.models import Format

# Units a report can be asked for: every level with children worth a row. A superuser (who sees
# the whole country) is offered the levels down to the province, not ten thousand communes.
REPORT_LEVELS = [Level.CENTRAL, Level.PROVINCE, Level.DISTRICT, Level.COMMUNE]
SUPERUSER_LEVELS = [Level.CENTRAL, Level.PROVINCE]


class UnitChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        unit: Unit = obj
        indent = "\u00a0\u00a0" * max(0, unit.depth - 1)
        ended = f" (→ {unit.valid_to:%m/%Y})" if unit.valid_to else ""
        return f"{indent}{unit.name}{ended}"


class MonthField(forms.CharField):
    """A month typed as mm/yyyy whatever the browser's language ("06/2025", or ISO "2025-06"
    from an old link) -> 2025-06-01."""

    widget = MonthInput

    def to_python(self, value: Any) -> datetime.date | None:  # type: ignore[override]
        if isinstance(value, datetime.date):
            return value
        text = super().to_python(value)
        if not text:
            return None
        try:
            return parse_month_text(text)
        except ValueError as exc:
            raise forms.ValidationError(BAD_MONTH) from exc


class ReportRequestForm(forms.Form):
    program = forms.ModelChoiceField(
        queryset=Program.objects.order_by("code"), label=_("Chương trình"), empty_label=None
    )
    unit = UnitChoice(queryset=Unit.objects.none(), label=_("Đơn vị"), empty_label=None)
    start = MonthField(label=_("Từ tháng"))
    end = MonthField(label=_("Đến tháng"))
    format = forms.ChoiceField(
        choices=Format.choices, initial=Format.BOTH, label=_("Định dạng"), widget=forms.RadioSelect
    )
    levels_below = forms.BooleanField(
        required=False,
        label=_("Thêm một trang cho mỗi cấp bên dưới"),
        help_text=_(
            "Chỉ trong tệp Excel: mỗi cấp dưới các đơn vị của báo cáo (ví dụ các xã của tỉnh) "
            "có một trang riêng. Tệp PDF không có các trang này."
        ),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        levels = SUPERUSER_LEVELS if access.is_unrestricted(user) else REPORT_LEVELS
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, UnitChoice)
        unit_field.queryset = access.visible_units(user).filter(level__in=levels).order_by("path")
        last = previous_month()
        self.fields["start"].initial = last.replace(month=1)
        self.fields["end"].initial = last

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("Tháng kết thúc phải sau tháng bắt đầu."))
        return data
