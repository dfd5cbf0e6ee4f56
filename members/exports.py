"""Excel export of the register: only what the user may export (Action.EXPORT_MEMBERS: entry
officers and admins, see accounts.access), and every export recorded. Every cell goes through
`common.spreadsheet.safe_row`: names and phones are typed by users and must never reach a
spreadsheet as live formulas."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook

from accounts import access
from common.spreadsheet import safe_row
from members.models import ExportSource, Household, MemberStatus, Unit
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


def may_export(user: User) -> bool:
    """Whether the register's export is offered to the user at all."""
    return access.may_anywhere(user, access.Action.EXPORT_MEMBERS)


def export_unit(user: User, wanted: MemberFilter) -> Unit | None:
    """The unit an export is recorded under: the branch chosen, else the user's widest unit
    they may export (None for a superuser's national export)."""
    if wanted.branch:
        branch = Unit.objects.filter(pk=wanted.branch).first()
        if branch is not None:
            return branch
    first = access.assignments_for(user, access.Action.EXPORT_MEMBERS).first()
    return first.unit if first is not None else None


@transaction.atomic
def export_members(*, user: User, wanted: MemberFilter) -> tuple[bytes, int]:
    """The workbook of the user's members under `wanted` in the units they may export, and its
    row count; the export is recorded (who, when, unit, choices, rows) in the same
    transaction."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Hội viên"))
    sheet.append(_headers())
    yes = _("Có")
    count = 0
    rows = register_page(user, wanted)
    if not access.is_unrestricted(user):
        exportable = access.units_for(user, access.Action.EXPORT_MEMBERS)
        rows = rows.filter(branch__in=exportable.values("pk"))
    for count, member in enumerate(rows.iterator(chunk_size=2000), 1):
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
    record_export(
        user=user,
        filters=wanted.as_record(),
        row_count=count,
        unit=export_unit(user, wanted),
        source=ExportSource.REGISTER,
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), count
