"""The dashboard's table as an Excel workbook, in the customary layout: a title block, one row
per unit, for each indicator the columns Kế hoạch / Thực hiện / Tỷ lệ %, the unit's total row."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from indicators.figures.dashboard import Dashboard, Period
from indicators.figures.engine import Figure

# A text cell starting with one of these is a formula (or becomes one when pasted) in Excel,
# LibreOffice and Google Sheets: "=HYPERLINK(...)", "+1+cmd|...", "-2+3", "@SUM(...)".
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(text: object) -> str:
    """The text with a leading apostrophe if it would start a formula (OWASP's advice): the
    cell shows what the user typed and never runs it. Every text cell of every workbook the
    portal writes goes through here (django-import-export's own escaping strips only "=")."""
    value = "" if text is None else str(text)
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def _cells(figure: Figure) -> list[Any]:
    achievement = float(figure.achievement) / 100 if figure.achievement is not None else None
    as_number = [float(v) if v is not None else None for v in (figure.target, figure.value)]
    return [*as_number, achievement]


def _title(dashboard: Dashboard) -> str:
    return _("%(program)s · %(unit)s · %(period)s %(start)s–%(end)s") % {
        "program": dashboard.program.code,
        "unit": dashboard.unit.name,
        "period": Period(dashboard.period).label,
        "start": f"{dashboard.start:%m/%Y}",
        "end": f"{dashboard.end:%m/%Y}",
    }


def _header(sheet: Worksheet, dashboard: Dashboard) -> None:
    sheet.append([_("Hội Liên hiệp Phụ nữ Việt Nam")])
    sheet.append([safe_text(_title(dashboard))])
    sheet.append([_("Ngày lập: %(day)s") % {"day": f"{timezone.localdate():%d/%m/%Y}"}])
    top = [_("Mã"), _("Đơn vị")]
    sub = ["", ""]
    for indicator in dashboard.indicators:
        top += [safe_text(f"{indicator.code} {indicator.name_vi}"), "", ""]
        sub += [_("Kế hoạch"), _("Thực hiện"), _("Tỷ lệ %")]
    sheet.append(top)
    sheet.append(sub)
    for i in range(len(dashboard.indicators)):
        first = 3 + 3 * i
        sheet.merge_cells(start_row=4, start_column=first, end_row=4, end_column=first + 2)
    for cell in sheet[4]:
        cell.font, cell.alignment = Font(bold=True), Alignment(wrap_text=True, vertical="top")


def workbook(dashboard: Dashboard) -> bytes:
    book = Workbook()
    sheet = book.create_sheet(_("Bảng theo dõi")[:31], 0)
    book.remove(book.worksheets[1])  # the empty default sheet
    _header(sheet, dashboard)
    for row in [*dashboard.rows, dashboard.total]:
        cells: list[Any] = [safe_text(row.unit.code), safe_text(row.unit.name)]
        for figure in row.figures:
            cells += _cells(figure)
        sheet.append(cells)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for column in range(3, 3 + 3 * len(dashboard.indicators)):
        letter = get_column_letter(column)
        sheet.column_dimensions[letter].width = 12
        is_rate = (column - 3) % 3 == 2
        for (cell,) in sheet[f"{letter}6:{letter}{sheet.max_row}"]:
            cell.number_format = "0.0%" if is_rate else "#,##0.##"
    sheet.column_dimensions["B"].width = 32
    sheet.freeze_panes = "C6"
    out = BytesIO()
    book.save(out)
    return out.getvalue()
