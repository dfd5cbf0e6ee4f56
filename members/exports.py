"""Excel export of the register: only what the user may see, and every export recorded.
Every cell goes through `common.spreadsheet.safe_row`: names and phones are typed by users and
must never reach a spreadsheet as live formulas."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook

from common.spreadsheet import safe_row
from members.models import Household, MemberStatus
from members.selectors import MemberFilter, register_page
from members.services import record_export

if TYPE_CHECKING:
    from accounts.models import User


def _headers() -> list[str]:
    return [
        _("STT"),
        _("Họ và tên"),
        _("Năm sinh"),
        _("Ngày sinh"),
        _("Dân tộc"),
        _("Tôn giáo"),
        _("Số điện thoại"),
        _("Chi hội"),
        _("Ngày vào Hội"),
        _("Tình trạng"),
        _("Ngày của tình trạng"),
        _("Hộ nghèo/cận nghèo"),
        _("Khuyết tật"),
        _("Chủ cơ sở kinh doanh"),
        _("Dân tộc thiểu số"),
    ]


@transaction.atomic
def export_members(*, user: User, wanted: MemberFilter) -> tuple[bytes, int]:
    """The workbook of the user's members under `wanted`, and its row count; the export is
    recorded (who, when, filter, rows) in the same transaction."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Hội viên"))
    sheet.append(_headers())
    yes = _("Có")
    count = 0
    for count, member in enumerate(register_page(user, wanted).iterator(chunk_size=2000), 1):
        sheet.append(
            safe_row(
                [
                    count,
                    member.full_name,
                    member.birth_year,
                    member.birth_date,
                    member.ethnicity_name,
                    member.religion,
                    member.phone,
                    member.branch.name,
                    member.joined_on,
                    str(MemberStatus(member.status).label),
                    member.status_on,
                    str(Household(member.household).label) if member.household else "",
                    yes if member.has_disability else "",
                    yes if member.is_business_owner else "",
                    yes if member.is_ethnic_minority else "",
                ]
            )
        )
    record_export(user=user, filters=wanted.as_record(), row_count=count)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), count
