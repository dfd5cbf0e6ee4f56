"""Charts drawn on the server as SVG: nothing to download at run time, readable without
JavaScript, printable, and every mark carries its number as text (not colour alone)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from common.numbers import format_number
from indicators.figures.engine import Figure
from members.models import Unit

BAR_HEIGHT, LABEL_WIDTH, BAR_WIDTH = 22, 190, 320
STATUS_CLASS = {"achieved": "ok", "on_track": "pace", "behind": "behind"}


def _text(x: float, y: float, text: str, anchor: str = "start", css: str = "") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" class="{css}">{escape(text)}</text>'
    )


def ranking_bars(pairs: list[tuple[Unit, Figure]], title: str) -> SafeString:
    """Horizontal bars of % achieved, best first, with a line at 100%."""
    if all(f.achievement is None for _u, f in pairs):
        message = _("Chưa có đơn vị nào có cả kế hoạch và số liệu cho chỉ tiêu này.")
        return mark_safe(f'<p class="muted">{escape(message)}</p>')  # every text in it is escaped
    top = max([Decimal(100)] + [f.achievement or Decimal(0) for _u, f in pairs])
    scale = BAR_WIDTH / float(top)
    height = BAR_HEIGHT * len(pairs) + 30
    parts = [
        f'<svg class="chart bars" viewBox="0 0 {LABEL_WIDTH + BAR_WIDTH + 70} {height}" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for i, (unit, fig) in enumerate(pairs):
        y = 20 + i * BAR_HEIGHT
        parts.append(_text(LABEL_WIDTH - 6, y + 14, unit.name, "end"))
        if fig.achievement is None:
            parts.append(_text(LABEL_WIDTH + 4, y + 14, _("chưa có số liệu"), css="muted"))
            continue
        width = float(fig.achievement) * scale
        css = STATUS_CLASS.get(fig.status, "none")
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{width:.1f}" height="{BAR_HEIGHT - 6}" '
            f'class="bar {css}"><title>{escape(unit.name)}: '
            f"{format_number(fig.achievement, 1)}%</title></rect>"
        )
        parts.append(
            _text(LABEL_WIDTH + width + 4, y + 14, f"{format_number(fig.achievement, 1)}%")
        )
    hundred = LABEL_WIDTH + 100 * scale
    parts.append(
        f'<line x1="{hundred:.1f}" y1="12" x2="{hundred:.1f}" y2="{height - 4}" class="goal"/>'
    )
    parts.append(_text(hundred, 10, "100%", "middle", "muted"))
    parts.append("</svg>")
    return mark_safe("".join(parts))


def _pace(figure: Figure) -> Decimal | None:
    """Where the target line stands: the pace to the target by then, or the target itself."""
    return figure.expected_by_now if figure.expected_by_now is not None else figure.target


def trend_line(
    points: list[tuple[datetime.date, Figure]],
    title: str,
    yearly: bool = False,
    period_totals: dict[datetime.date, int] | None = None,
) -> SafeString:
    """The unit's figure month by month (a solid line) against the target's pace (dashed).
    A month holding a period's total from a legacy file (`period_totals`: month -> months
    covered) gets a square instead of a dot, and says so in its tooltip."""
    period_totals = period_totals or {}
    width, height, left, bottom = 520, 220, 50, 30
    values = [f.value for _m, f in points if f.value is not None]
    paces = [p for _m, f in points if (p := _pace(f)) is not None]
    top = float(max([*values, *paces, Decimal(1)]))
    step = (width - left - 10) / max(1, len(points) - 1)

    def xy(i: int, v: Decimal) -> str:
        y = height - bottom - float(v) / top * (height - bottom - 15)
        return f"{left + i * step:.1f},{y:.1f}"

    parts = [
        f'<svg class="chart trend" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" '
        'class="axis"/>',
        _text(left - 4, 18, format_number(Decimal(top), 0), "end", "muted"),
        _text(left - 4, height - bottom, "0", "end", "muted"),
    ]
    actual = [xy(i, f.value) for i, (_m, f) in enumerate(points) if f.value is not None]
    pace = [xy(i, p) for i, (_m, f) in enumerate(points) if (p := _pace(f)) is not None]
    if pace:
        parts.append(f'<polyline points="{" ".join(pace)}" class="pace-line"/>')
    if actual:
        parts.append(f'<polyline points="{" ".join(actual)}" class="actual-line"/>')
    for i, (month, fig) in enumerate(points):
        label = f"{month:%Y}" if yearly else f"{month:%m/%y}"
        if len(points) <= 12 or i % 2 == 0 or i == len(points) - 1:
            parts.append(_text(left + i * step, height - 10, label, "middle", "muted"))
        if fig.value is not None:
            x, y = xy(i, fig.value).split(",")
            tip = f"{label}: {format_number(fig.value, 2)}"
            covered = period_totals.get(month) if not yearly else None
            if covered:
                tip += " " + _("(gồm số liệu tổng của %(months)s tháng)") % {"months": covered}
                parts.append(
                    f'<rect x="{float(x) - 4:.1f}" y="{float(y) - 4:.1f}" width="8" height="8" '
                    f'class="dot period"><title>{escape(tip)}</title></rect>'
                )
            else:
                parts.append(
                    f'<circle cx="{x}" cy="{y}" r="3" class="dot"><title>{escape(tip)}</title>'
                    "</circle>"
                )
    parts.append("</svg>")
    return mark_safe("".join(parts))
