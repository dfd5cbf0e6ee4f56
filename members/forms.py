"""Forms of the member register: they read what was typed; the rules live in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.dates import DayField
from members import ethnicities
from members.models import Household, MemberStatus, Unit, UnitQuerySet
from members.selectors import FLAG_LABELS, MemberFilter
from members.services import MemberData


class MemberForm(forms.Form):
    full_name = forms.CharField(label=_("Họ và tên"), max_length=120)
    birth_year = forms.IntegerField(label=_("Năm sinh"), required=False, min_value=1900)
    birth_date = DayField(label=_("Ngày sinh (nếu biết)"), required=False)
    ethnicity = forms.ChoiceField(
        label=_("Dân tộc"), choices=ethnicities.ETHNIC_GROUPS, initial=ethnicities.KINH
    )
    religion = forms.CharField(label=_("Tôn giáo"), max_length=60, required=False)
    phone = forms.CharField(label=_("Số điện thoại"), max_length=20, required=False)
    household = forms.ChoiceField(
        label=_("Hộ nghèo/cận nghèo"), choices=Household.choices, required=False
    )
    has_disability = forms.BooleanField(label=_("Khuyết tật"), required=False)
    is_business_owner = forms.BooleanField(label=_("Chủ cơ sở kinh doanh"), required=False)
    joined_on = DayField(label=_("Ngày vào Hội"))

    def __init__(self, *args: Any, branches: UnitQuerySet | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if branches is not None:
            self.fields["branch"] = forms.ModelChoiceField(
                label=_("Chi hội"), queryset=branches, empty_label=None
            )
            self.order_fields(["full_name", "branch"])

    def member_data(self) -> MemberData:
        data = self.cleaned_data
        return MemberData(
            full_name=data["full_name"],
            birth_year=data["birth_year"],
            birth_date=data["birth_date"],
            ethnicity=data["ethnicity"],
            religion=data["religion"],
            phone=data["phone"],
            household=data["household"] or "",
            has_disability=data["has_disability"],
            is_business_owner=data["is_business_owner"],
        )


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Tình trạng mới"), choices=MemberStatus.choices)
    on = DayField(label=_("Từ ngày"), initial=timezone.localdate)


class MoveForm(forms.Form):
    to_branch = forms.ModelChoiceField(label=_("Chuyển đến chi hội"), queryset=Unit.objects.none())
    on = DayField(label=_("Từ ngày"), initial=timezone.localdate)

    def __init__(self, *args: Any, branches: UnitQuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to_branch"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = branches


class FilterForm(forms.Form):
    """The register's filters, named in Vietnamese in the address (?q=&chi_hoi=&...)."""

    q = forms.CharField(label=_("Tìm theo tên"), required=False)
    chi_hoi = forms.ModelChoiceField(
        label=_("Chi hội"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=_("Tất cả"),
    )
    tinh_trang = forms.ChoiceField(
        label=_("Tình trạng"),
        choices=[("", _("Tất cả")), *MemberStatus.choices],
        required=False,
    )
    dien = forms.ChoiceField(
        label=_("Diện"), choices=[("", _("Tất cả")), *FLAG_LABELS.items()], required=False
    )
    tuoi = forms.ChoiceField(
        label=_("Nhóm tuổi"),
        choices=[("", _("Tất cả")), ("18-35", "18–35"), ("36-55", "36–55"), ("56-", "56+")],
        required=False,
    )

    def __init__(self, *args: Any, branches: UnitQuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["chi_hoi"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = branches

    def member_filter(self) -> MemberFilter:
        if not self.is_valid():
            return MemberFilter()
        data = self.cleaned_data
        branch = data.get("chi_hoi")
        return MemberFilter(
            q=data.get("q", "").strip(),
            branch=branch.pk if branch else None,
            status=data.get("tinh_trang", ""),
            flag=data.get("dien", ""),
            age=data.get("tuoi", ""),
        )
