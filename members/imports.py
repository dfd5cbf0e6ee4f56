"""Import of a branch's register from Excel: read with django-import-export's XLSX format
(tablib underneath), previewed row by row, then saved whole or not at all.

Headers are the register's own (as the export writes them; extra columns are ignored). A row
with the same name, year of birth and branch as a member already in the register, or as an
earlier row of the file, is a duplicate: flagged in the preview and not imported, so importing
the same file twice changes nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _
from import_export.formats.base_formats import XLSX

from members import ethnicities
from members.models import Household, Member, Unit
from members.services import (
    MemberData,
    MemberError,
    ensure_may_edit,
    new_member,
    save_new_members,
)
from members.text import fold

if TYPE_CHECKING:
    from accounts.models import User

COLUMNS = {
    "full_name": "Họ và tên",
    "birth_year": "Năm sinh",
    "birth_date": "Ngày sinh",
    "ethnicity": "Dân tộc",
    "religion": "Tôn giáo",
    "phone": "Số điện thoại",
    "joined_on": "Ngày vào Hội",
    "household": "Hộ nghèo/cận nghèo",
    "has_disability": "Khuyết tật",
    "is_business_owner": "Chủ cơ sở kinh doanh",
}
REQUIRED = ("full_name", "joined_on")
_YES = {"x", "có", "co", "1", "yes", "true", "c"}
_HOUSEHOLDS = {"ho ngheo": Household.POOR, "ngheo": Household.POOR,
               "ho can ngheo": Household.NEAR_POOR, "can ngheo": Household.NEAR_POOR}  # fmt: skip


class ImportRefused(ValueError):
    pass


@dataclass
class Row:
    number: int  # as Excel numbers it (the header is row 1)
    name: str
    member: Member | None = None
    errors: list[str] = field(default_factory=list)
    duplicate: bool = False


@dataclass
class Preview:
    branch: Unit
    rows: list[Row]

    @property
    def errors(self) -> list[str]:
        return [e for row in self.rows for e in row.errors]

    @property
    def new(self) -> list[Row]:
        return [r for r in self.rows if r.member is not None and not r.duplicate]

    @property
    def duplicates(self) -> list[Row]:
        return [r for r in self.rows if r.duplicate]


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _date(value: Any) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _text(value)
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def _year(value: Any) -> int | None:
    text = _text(value)
    if not text:
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if not text.isdigit():
        raise ValueError(text)
    return int(text)


def _flag(value: Any) -> bool:
    return fold(_text(value)) in _YES or value is True


def _cell_error(number: int, column: str, reason: str) -> str:
    return _("Dòng %(row)s, cột «%(column)s»: %(reason)s") % {
        "row": number,
        "column": column,
        "reason": reason,
    }


def _read_row(
    number: int, values: dict[str, Any]
) -> tuple[MemberData, datetime.date | None, list[str]]:
    errors = []

    def parse(key: str, parser: Any) -> Any:
        try:
            return parser(values.get(key))
        except ValueError:
            errors.append(
                _cell_error(number, COLUMNS[key],
                            _("«%(text)s» không đọc được") % {"text": _text(values.get(key))})
            )  # fmt: skip
            return None

    birth_year = parse("birth_year", _year)
    birth_date = parse("birth_date", _date)
    joined_on = parse("joined_on", _date)
    if joined_on is None and not errors:
        errors.append(_cell_error(number, COLUMNS["joined_on"], _("chưa nhập")))
    ethnicity_text = _text(values.get("ethnicity"))
    ethnicity = ethnicities.code_for(ethnicity_text) if ethnicity_text else ethnicities.KINH
    if ethnicity is None:
        reason = _("«%(text)s» không có trong danh mục 54 dân tộc") % {"text": ethnicity_text}
        errors.append(_cell_error(number, COLUMNS["ethnicity"], reason))
    household_text = fold(_text(values.get("household")))
    household = _HOUSEHOLDS.get(household_text, Household.NONE)
    if household_text and household_text not in _HOUSEHOLDS:
        errors.append(
            _cell_error(number, COLUMNS["household"], _("ghi «hộ nghèo» hoặc «hộ cận nghèo»"))
        )
    data = MemberData(
        full_name=_text(values.get("full_name")),
        birth_year=birth_year,
        birth_date=birth_date,
        ethnicity=ethnicity or "",
        religion=_text(values.get("religion")),
        phone=_text(values.get("phone")),
        household=household,
        has_disability=_flag(values.get("has_disability")),
        is_business_owner=_flag(values.get("is_business_owner")),
    )
    return data, joined_on, errors


def read_workbook(content: bytes) -> list[dict[str, Any]]:
    """The rows of the first sheet as {field: value}, by the Vietnamese headers."""
    try:
        dataset = XLSX().create_dataset(content)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise ImportRefused(_("Tệp không phải là bảng tính Excel (.xlsx) đọc được.")) from exc
    headers = {fold(_text(h)): i for i, h in enumerate(dataset.headers or [])}
    missing = [COLUMNS[k] for k in REQUIRED if fold(COLUMNS[k]) not in headers]
    if missing:
        raise ImportRefused(
            _("Thiếu cột: %(columns)s (dòng 1 phải là tiêu đề cột).")
            % {"columns": ", ".join(missing)}
        )
    index = {key: headers.get(fold(label)) for key, label in COLUMNS.items()}
    return [
        {key: row[i] for key, i in index.items() if i is not None}
        for row in dataset
        if any(_text(v) for v in row)
    ]


def preview_import(*, user: User, branch: Unit, content: bytes) -> Preview:
    """Every row checked as the form would check it; nothing saved."""
    ensure_may_edit(user, branch)
    existing = set(
        Member.objects.named().filter(branch=branch).values_list("name_folded", "birth_year")
    )
    rows = []
    for number, values in enumerate(read_workbook(content), start=2):
        data, joined_on, errors = _read_row(number, values)
        row = Row(number, _text(values.get("full_name")), errors=errors)
        if not errors and joined_on is not None:
            try:
                row.member = new_member(branch=branch, joined_on=joined_on, data=data)
            except MemberError as exc:
                row.errors.append(
                    _("Dòng %(row)s: %(reason)s") % {"row": number, "reason": exc.message}
                )
        if row.member is not None:
            key = (row.member.name_folded, row.member.birth_year)
            row.duplicate = key in existing
            existing.add(key)
        rows.append(row)
    return Preview(branch, rows)


@transaction.atomic
def import_members(*, user: User, branch: Unit, content: bytes) -> Preview:
    """Saves the new rows of the file: all of them, or none if any row has an error."""
    preview = preview_import(user=user, branch=branch, content=content)
    if preview.errors:
        raise ImportRefused(_("Tệp còn lỗi: chưa nhập dòng nào."))
    save_new_members([r.member for r in preview.new if r.member is not None])
    return preview
