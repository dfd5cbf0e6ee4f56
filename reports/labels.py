"""The words of a report's main table shared by the workbook and the PDF: the row
"Không phân bổ được", what each Kế hoạch column compares with, the notes under the table."""

from __future__ import annotations

from django.utils.translation import gettext as _

from indicators.figures.base import Basis, basis_caption
from reports.selectors import ReportContent


def rest_label() -> str:
    """The row of what old units split among several rows recorded (as on the dashboard)."""
    return _("Không phân bổ được")


def notes(content: ReportContent) -> list[str]:
    """The lines under the main table (the workbook's and the PDF's): how the total is
    computed, what the row "Không phân bổ được" holds, and what Kế hoạch means in a view
    inside the target's period."""
    unit = content.unit.name
    found = [
        _(
            "Tổng cộng là số của %(unit)s do hệ thống tính theo quy tắc của từng chỉ tiêu: chỉ "
            "tiêu cộng dồn (tổng, lũy kế) bằng tổng các dòng trên; tỷ lệ là tổng tử số / tổng "
            "mẫu số, số hiện có là giá trị cuối kỳ, nên không cộng các dòng."
        )
        % {"unit": unit}
    ]
    if content.rest is not None:
        found.append(
            _(
                "Dòng «Không phân bổ được»: số liệu của các đơn vị cũ đã chia cho nhiều đơn vị "
                "mới, thuộc về %(unit)s mà không thuộc riêng dòng nào."
            )
            % {"unit": unit}
        )
    figures = [*content.total, *(f for row in content.rows for f in row.figures)]
    bases = {f.basis for f in figures if f.goal is not None}
    if Basis.PACE in bases:
        found.append(
            _(
                "Kế hoạch theo tiến độ: phần kế hoạch phải đạt đến hết tháng %(end)s nếu thực "
                "hiện đều từng tháng; tỷ lệ đạt so với phần đó, không so với kế hoạch cả giai "
                "đoạn."
            )
            % {"end": f"{content.end:%m/%Y}"}
        )
    if Basis.LEVEL in bases:
        found.append(
            _(
                "Kế hoạch mức cần đạt: số hiện có hoặc tỷ lệ cần đạt khi hết kỳ kế hoạch; "
                "tỷ lệ đạt so với mức đó."
            )
        )
    return found


def goal_label(content: ReportContent, index: int) -> str:
    """The Kế hoạch column of indicator `index`, with what its figures are compared with when
    it is not the whole target (AggregationRule.judge): "Kế hoạch theo tiến độ" in a view
    inside a flow's target period, "Kế hoạch mức cần đạt" for a level before its end."""
    figures = [content.total[index], *(row.figures[index] for row in content.rows)]
    if content.rest is not None:
        figures.append(content.rest[index])
    words: list[str] = []
    for fig in figures:
        caption = basis_caption(fig.basis) if fig.goal is not None else ""
        if caption and caption not in words:
            words.append(caption)
    label = _("Kế hoạch")
    return f"{label} {' / '.join(words)}" if words else label
