"""The activity form: parses what the officer typed; the rules are in programs.services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts import access
from accounts.models import User
from common.dates import DayField
from common.numbers import NumberError, parse_number
from members.models import Level, Unit
from programs.models import Activity, ActivityType, Program

COUNTED = ("participants", "participants_women", "participants_minority", "participants_over35")
# Above this many units in reach (a province officer), branches are left out of the choice.
MAX_UNIT_CHOICES = 400


def unit_choices(user: User) -> Any:
    units = access.units_for(user, access.Action.ENTER).current().order_by("depth", "path")
    if units.count() > MAX_UNIT_CHOICES:
        units = units.exclude(level__in=[Level.BRANCH, Level.GROUP])
    return units


class UnitChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg,unused-ignore]
    def label_from_instance(self, obj: Unit) -> str:
        return f"{'· ' * max(obj.depth - 1, 0)}{obj.name}"


class ActivityForm(forms.ModelForm):  # type: ignore[type-arg,unused-ignore]
    unit = UnitChoiceField(queryset=Unit.objects.none(), label=_("Đơn vị tổ chức"))
    # Typed the Vietnamese way ("1.500.000"), so a text field.
    cost = forms.CharField(label=_("Kinh phí (đồng)"), required=False)
    attachment = forms.FileField(
        label=_("Tệp đính kèm (ảnh, biên bản)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".jpg,.jpeg,.png,.pdf,.doc,.docx,.xlsx"}),
    )

    class Meta:
        model = Activity
        fields = [
            "program", "type", "title", "starts_on", "unit", "participants",
            "participants_women", "participants_minority", "participants_over35", "ends_on",
            "place", "cost", "funding", "partners", "note",
        ]  # fmt: skip
        # dd/mm/yyyy whatever the browser's language (common.dates).
        field_classes = {"starts_on": DayField, "ends_on": DayField}
        widgets = {
            "note": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = {
            "unit": unit_choices(user),
            "type": ActivityType.objects.filter(active=True),
            "program": Program.objects.order_by("code"),
        }
        for name, queryset in choices.items():
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = queryset
        for name in COUNTED:
            field = self.fields[name]
            field.validators = []
            field.widget.attrs = {"inputmode": "numeric"}
        if self.instance.pk and self.instance.cost is not None:
            self.initial["cost"] = f"{self.instance.cost:,.0f}".replace(",", ".")

    def _get_validation_exclusions(self) -> set[str]:
        # Negative counts are refused by programs.services with a message naming the field,
        # not by the model's generic "greater than or equal to 0".
        inherited = super()._get_validation_exclusions()  # type: ignore[misc]
        return set(inherited) | set(COUNTED)

    def clean_cost(self) -> Decimal | None:
        try:
            return parse_number(self.cleaned_data.get("cost"))
        except NumberError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def values(self) -> dict[str, Any]:
        """The activity's fields, for programs.services.save_activity."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
