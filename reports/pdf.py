"""The progress report as a PDF (A4 landscape): the same tables as the workbook, and charts.

ReportLab draws it from Python, tables and charts (reportlab.graphics) alike, with DejaVu Sans
Condensed embedded (shipped in reports/fonts/, every Vietnamese diacritic). The wide table of the
workbook is cut into groups of indicators so that each fits the page width; the unit columns are
repeated in each group and the header rows on each page.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Flowable,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from common.numbers import format_number
from indicators.figures.engine import Figure
from indicators.figures.rules import rule_for
from indicators.models import Indicator
from reports.labels import goal_label, notes, rest_label
from reports.selectors import ReportContent

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT, FONT_BOLD = "DejaVuSansCondensed", "DejaVuSansCondensed-Bold"
PAGE = landscape(A4)
MARGIN = 12 * mm
INDICATORS_PER_TABLE = 4
BRAND = colors.HexColor("#0b5ea8")
HEADER_BG = colors.HexColor("#dce6f1")
TOTAL_BG = colors.HexColor("#f2f2f2")


@cache
def _register_fonts() -> None:
    pdfmetrics.registerFont(TTFont(FONT, str(FONT_DIR / "DejaVuSansCondensed.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(FONT_DIR / "DejaVuSansCondensed-Bold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD)


def _text(value: object) -> str:
    """NFC (precomposed letters: the font has a glyph for each, with no shaping needed) and
    escaped for Paragraph's markup."""
    text = unicodedata.normalize("NFC", str(value))
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=FONT, fontSize=7.5, leading=9)
    return {
        "cell": base,
        "num": ParagraphStyle("num", parent=base, alignment=2),
        "head": ParagraphStyle("head", parent=base, fontName=FONT_BOLD, alignment=1),
        "total": ParagraphStyle("total", parent=base, fontName=FONT_BOLD),
        "totalnum": ParagraphStyle("totalnum", parent=base, fontName=FONT_BOLD, alignment=2),
        "union": ParagraphStyle("union", parent=base, fontName=FONT_BOLD, fontSize=10, leading=13),
        "title": ParagraphStyle(
            "title", parent=base, fontName=FONT_BOLD, fontSize=14, leading=18, alignment=1
        ),
        "sub": ParagraphStyle("sub", parent=base, fontSize=10, leading=13, alignment=1),
        "h2": ParagraphStyle(
            "h2", parent=base, fontName=FONT_BOLD, fontSize=11, leading=14, spaceBefore=6
        ),
        "note": ParagraphStyle("note", parent=base, textColor=colors.HexColor("#5d6472")),
    }


def _value(indicator: Indicator, value: Decimal | None) -> str:
    if value is None:
        return "–"
    if rule_for(indicator).is_percent:
        return format_number(value, 1) + "%"
    return format_number(value, 2)


def _achievement(fig: Figure) -> str:
    return "–" if fig.achievement is None else format_number(fig.achievement, 1) + "%"


def _table(
    content: ReportContent, indicators: list[int], styles: dict[str, ParagraphStyle]
) -> Table:
    def p(text: object, style: str = "cell") -> Paragraph:
        return Paragraph(_text(text), styles[style])

    inds = [content.indicators[i] for i in indicators]

    def cells(figures: Sequence[Any], style: str) -> list[object]:
        """An indicator's three cells (goal, figure, achievement) for each indicator shown."""
        out: list[object] = []
        for i, ind in zip(indicators, inds, strict=True):
            fig = figures[i]
            out += [p(_value(ind, fig.compared_with), style), p(_value(ind, fig.value), style)]
            out.append(p(_achievement(fig), style))
        return out

    top: list[object] = [p(_("STT"), "head"), p(_("Mã"), "head"), p(_("Đơn vị"), "head")]
    sub: list[object] = ["", "", ""]
    for ind in inds:
        top += [p(f"{ind.code} {ind.name_vi} ({ind.unit})", "head"), "", ""]
    for i in indicators:
        sub += [p(goal_label(content, i), "head"), p(_("Thực hiện"), "head"),
                p(_("Tỷ lệ %"), "head")]  # fmt: skip
    data: list[list[object]] = [top, sub]
    for number, row in enumerate(content.rows, start=1):
        name = row.unit.name
        if row.unit.valid_to is not None and row.unit.valid_to < content.end:
            name = _("%(name)s (đến %(day)s)") % {
                "name": name,
                "day": f"{row.unit.valid_to:%d/%m/%Y}",
            }
        data.append([p(number, "num"), p(row.unit.code), p(name), *cells(row.figures, "num")])
    if content.rest is not None:
        data.append([p(rest_label()), "", "", *cells(content.rest, "num")])
    total = p(_("Tổng cộng (%(unit)s)") % {"unit": content.unit.name}, "total")
    data.append([total, "", "", *cells(content.total, "totalnum")])
    width = PAGE[0] - 2 * MARGIN
    fixed = [10 * mm, 16 * mm, 50 * mm]
    per = (width - sum(fixed)) / (3 * INDICATORS_PER_TABLE)
    table = Table(data, colWidths=fixed + [per] * (3 * len(inds)), repeatRows=2, hAlign="LEFT")
    style = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
        ("BACKGROUND", (0, 0), (-1, 1), HEADER_BG),
        ("BACKGROUND", (0, -1), (-1, -1), TOTAL_BG),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("SPAN", (0, 0), (0, 1)),
        ("SPAN", (1, 0), (1, 1)),
        ("SPAN", (2, 0), (2, 1)),
        ("SPAN", (0, -1), (2, -1)),
    ]
    if content.rest is not None:
        style.append(("SPAN", (0, -2), (2, -2)))
    for k in range(len(inds)):
        first = 3 + 3 * k
        style.append(("SPAN", (first, 0), (first + 2, 0)))
    table.setStyle(TableStyle(style))  # type: ignore[arg-type]
    return table


def _achievement_chart(content: ReportContent) -> Drawing:
    """Per indicator, the unit's % of its target (the dashboard's Tỷ lệ % column)."""
    pairs = [
        (ind.code, float(fig.achievement))
        for ind, fig in zip(content.indicators, content.total, strict=True)
        if fig.achievement is not None
    ]
    height = max(60, 16 * len(pairs) + 40)
    drawing = Drawing(PAGE[0] - 2 * MARGIN, height)
    if not pairs:
        drawing.add(String(0, height / 2, _("Chưa có chỉ tiêu nào có kế hoạch."), fontName=FONT))
        return drawing
    chart = HorizontalBarChart()
    chart.x, chart.y = 70, 20
    chart.width, chart.height = int(drawing.width - 110), int(height - 30)
    chart.data = [[min(v, 200.0) for _code, v in pairs]]
    chart.categoryAxis.categoryNames = [code for code, _v in pairs]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.reverseDirection = True
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = max(100.0, max(min(v, 200.0) for _c, v in pairs))
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labelTextFormat = "%d%%"
    chart.bars[0].fillColor = BRAND
    chart.barLabelFormat = lambda v: format_number(Decimal(str(v)), 1) + "%"
    chart.barLabels.fontName = FONT
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    drawing.add(chart)
    return drawing


def _series_chart(content: ReportContent, index: int) -> Drawing:
    """One indicator's monthly figure for the unit over the period."""
    indicator = content.indicators[index]
    points = [
        (float(k), float(value))
        for k, row in enumerate(content.series)
        if (value := row[index].value) is not None
    ]
    width = (PAGE[0] - 2 * MARGIN) / 2 - 6 * mm
    drawing = Drawing(width, 150)
    title = f"{indicator.code} {indicator.name_vi}"
    if len(title) > 70:
        title = title[:69] + "…"
    drawing.add(String(0, 140, unicodedata.normalize("NFC", title), fontName=FONT_BOLD, fontSize=8))
    if not points:
        drawing.add(String(0, 70, _("Chưa có số liệu trong kỳ."), fontName=FONT, fontSize=8))
        return drawing
    plot = LinePlot()
    plot.x, plot.y, plot.width, plot.height = 40, 20, int(width - 50), 105
    plot.data = [points]
    plot.lines[0].strokeColor = BRAND
    plot.lines[0].strokeWidth = 1.2
    plot.xValueAxis.valueMin = 0
    plot.xValueAxis.valueMax = max(1, len(content.months) - 1)
    step = max(1, len(content.months) // 6)
    plot.xValueAxis.valueSteps = list(range(0, len(content.months), step))
    months = content.months
    plot.xValueAxis.labelTextFormat = lambda v: f"{months[int(v)]:%m/%Y}"
    plot.xValueAxis.labels.fontName = FONT
    plot.xValueAxis.labels.fontSize = 6
    plot.yValueAxis.valueMin = 0
    plot.yValueAxis.labels.fontName = FONT
    plot.yValueAxis.labels.fontSize = 6
    plot.yValueAxis.labelTextFormat = lambda v: format_number(Decimal(str(v)), 1)
    drawing.add(plot)
    return drawing


def build_pdf(content: ReportContent) -> bytes:
    _register_fonts()
    styles = _styles()
    buffer = io.BytesIO()
    title = _("Báo cáo tiến độ thực hiện %(program)s") % {"program": content.program.name_vi}
    doc = SimpleDocTemplate(
        buffer,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=unicodedata.normalize("NFC", title),
        author=_("Hội LHPN Việt Nam"),
    )
    union = _("Hội LHPN %(unit)s") % {"unit": content.unit.name}
    period = _("Kỳ báo cáo: từ tháng %(start)s đến tháng %(end)s · Ngày lập: %(day)s") % {
        "start": f"{content.start:%m/%Y}",
        "end": f"{content.end:%m/%Y}",
        "day": f"{content.made_on:%d/%m/%Y}",
    }
    story: list[Flowable] = [
        Paragraph(_text(_("HỘI LIÊN HIỆP PHỤ NỮ VIỆT NAM")), styles["union"]),
        Paragraph(_text(union.upper()), styles["union"]),
        Spacer(1, 4 * mm),
        Paragraph(_text(title.upper()), styles["title"]),
        Paragraph(_text(period), styles["sub"]),
        Spacer(1, 4 * mm),
    ]
    groups = [
        list(range(i, min(i + INDICATORS_PER_TABLE, len(content.indicators))))
        for i in range(0, len(content.indicators), INDICATORS_PER_TABLE)
    ]
    for number, group in enumerate(groups, start=1):
        if len(groups) > 1:
            heading = _("Bảng %(n)s/%(count)s") % {"n": number, "count": len(groups)}
            story.append(Paragraph(_text(heading), styles["h2"]))
        story += [_table(content, group, styles), Spacer(1, 4 * mm)]
    story += [Paragraph(_text(note), styles["note"]) for note in notes(content)]
    story += [
        PageBreak(),
        Paragraph(
            _text(_("Tỷ lệ %% đạt kế hoạch (%(unit)s)") % {"unit": content.unit.name}), styles["h2"]
        ),
        _achievement_chart(content),
        Paragraph(
            _text(_("Kết quả từng tháng (%(unit)s)") % {"unit": content.unit.name}), styles["h2"]
        ),
    ]
    charts = [_series_chart(content, i) for i in range(len(content.indicators))]
    for i in range(0, len(charts), 2):
        pair: list[object] = list(charts[i : i + 2])
        if len(pair) == 1:
            pair.append("")
        story.append(Table([pair], colWidths=[(PAGE[0] - 2 * MARGIN) / 2] * 2))
    doc.build(story)
    return buffer.getvalue()
