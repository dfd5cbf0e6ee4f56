"""The entry form's grids written in Python (templates/indicators/entry_form.html): the form is
the most requested page of the deadline day, and an {% include %} of the inputs per cell, with
its translate tags and filters, was a third of its CPU. Same HTML as the template wrote; the ids,
names, data-* and aria attributes are read by static/js/entry.js and the browser tests.

Every text is escaped as Django's escape does (html.escape); ids are ints."""

from __future__ import annotations

import datetime
from collections.abc import Collection, Iterable
from decimal import Decimal
from html import escape
from typing import Any
from urllib.parse import quote

from django import template
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from indicators.cycle.sheet import Cell, Sheet
from indicators.models import SubmissionEvent
from members.models import Unit

register = template.Library()


def _number(value: Decimal | None) -> str:
    """As the template's `|floatformat:"-1g"`: whole numbers without decimals, else one."""
    return "" if value is None else escape(str(floatformat(value, "-1g")))


class _Grid:
    """What every cell of one form shares: its words translated once, the codes the reviewer's
    return note names (`flagged`) and whether the inputs can be typed in."""

    def __init__(self, sheet: Sheet, flagged: Collection[str], can_edit: bool) -> None:
        self.sheet = sheet
        self.flagged = flagged
        self.can_edit = can_edit
        self.numerator = escape(_("Tử số"))
        self.denominator = escape(_("Mẫu số"))
        self.named = escape(_("cấp trên nhắc đến"))
        self.this_month = escape(_("Tháng này"))
        self.last_month = escape(_("Tháng trước"))
        self.last_year = escape(_("Cùng kỳ năm trước"))
        self.year_to_date = escape(_("Từ đầu năm"))
        self.target = escape(_("Kế hoạch"))
        # Outside the f-strings below: makemessages does not read inside them.
        self.commune_target = escape(_("Kế hoạch xã"))
        self.see_activities = escape(_("xem các hoạt động"))
        self.add_activity = escape(_("thêm hoạt động"))

    def flag(self, code: str) -> str:
        """The mark after a name the return note mentions."""
        return f' <span class="flag">⚑ {self.named}</span>' if code in self.flagged else ""

    def inputs(self, cell: Cell) -> str:
        """A cell's inputs (one, or a rate's numerator and denominator) and the register's note,
        as templates/indicators/_entry_inputs.html wrote them."""
        ind, unit = cell.indicator, cell.unit
        rate = cell.is_rate
        described = " return-note-text" if ind.code in self.flagged else ""
        label = escape(ind.name_vi)
        if unit != self.sheet.unit:
            label += f" · {escape(unit.name)}"
        code = escape(ind.code)
        total = ""
        part_of = ind.part_of if ind.part_of_id else None
        if part_of is not None:
            total = (
                f'data-total="value-{int(unit.pk)}-{int(part_of.pk)}" '
                f'data-total-code="{escape(part_of.code)}"'
            )
        peak = "" if cell.peak is None else f'data-peak="{escape(str(cell.peak))}"'
        disabled = "" if self.can_edit else "disabled"
        html = []
        for part, name, shown, problems in cell.inputs:
            numerator = part == "numerator"
            word = self.numerator if numerator else self.denominator
            part_label = f'<label class="part" for="{name}">{word}</label>' if rate else ""
            denominator = (
                f'data-denominator="denominator-{int(unit.pk)}-{int(ind.pk)}"' if numerator else ""
            )
            messages = "".join(escape(str(p.message)) for p in problems)
            html.append(
                f'\n<span class="field{" has-error" if problems else ""}">\n'
                f"  {part_label}\n"
                f'  <input type="text" inputmode="decimal" autocomplete="off" id="{name}"'
                f' name="{name}" value="{escape(shown)}"\n'
                f'    aria-describedby="msg-{name}{described}"'
                f' aria-label="{label}{f" · {word}" if rate else ""}"\n'
                f'    data-code="{code}" data-part="{part}"\n'
                f"    {denominator}\n"
                f"    {total}\n"
                f"    {peak}\n"
                f"    {disabled}>\n"
                f'  <span class="msg" id="msg-{name}" role="status">{messages}</span>\n'
                "</span>"
            )
        source = cell.source
        if source:
            html.append(
                f'<span class="small muted source" data-source="register">{escape(source)}</span>'
            )
        html.append("\n")
        return "".join(html)

    def commune_row(self, cell: Cell) -> str:
        ind = cell.indicator
        flagged = ' class="flagged"' if ind.code in self.flagged else ""
        percent = "%" if cell.is_rate else ""
        ytd = "–" if cell.year_to_date is None else _number(cell.year_to_date) + percent
        target = "–" if cell.target is None else _number(cell.target) + percent
        return (
            f"\n        <tr{flagged}>\n"
            f'          <th scope="row"><span class="code">{escape(ind.code)}</span>'
            f' {escape(ind.name_vi)} <span class="muted">({escape(ind.unit)})</span>'
            f"{self.flag(ind.code)}</th>\n"
            f'          <td class="inputs">{self.inputs(cell)}</td>\n'
            f'          <td class="num" data-label="{self.last_month}">'
            f"{escape(cell.last_month_text or '–')}</td>\n"
            f'          <td class="num last-year" data-label="{self.last_year}">'
            f"{escape(cell.last_year_text or '–')}</td>\n"
            f'          <td class="num" data-label="{self.year_to_date}">{ytd}</td>\n'
            f'          <td class="num" data-label="{self.target}">{target}</td>\n'
            "        </tr>\n      "
        )

    def derived_row(self, cell: Cell, path: str) -> str:
        ind, sheet = cell.indicator, self.sheet
        query = (
            f"?unit={int(sheet.unit.pk)}&amp;program={escape(sheet.program.code)}"
            f"&amp;month={sheet.month:%Y-%m}"
        )
        if cell.activity_type:
            query += f"&amp;type={escape(cell.activity_type)}"
        add = ""
        if self.can_edit:
            add = (
                f'· <a class="small" href="{reverse("programs:activity_add")}{query}'
                f'&amp;next={escape(quote(path))}">{self.add_activity}</a>'
            )
        value = _number(cell.saved.value) if cell.saved else "0"
        ytd = "–" if cell.year_to_date is None else _number(cell.year_to_date)
        target = "–" if cell.target is None else _number(cell.target)
        return (
            f'\n        <tr data-code="{escape(ind.code)}">\n'
            f'          <th scope="row"><span class="code">{escape(ind.code)}</span>'
            f' {escape(ind.name_vi)} <span class="muted">({escape(ind.unit)})</span></th>\n'
            f'          <td class="num computed" data-label="{self.this_month}">'
            f'<strong class="derived-value">{value}</strong>\n'
            f'            <a class="small" href="{reverse("programs:activity_list")}{query}">'
            f"{self.see_activities}</a>\n"
            f"            {add}</td>\n"
            f'          <td class="num" data-label="{self.last_month}">'
            f"{escape(cell.last_month_text or '–')}</td>\n"
            f'          <td class="num" data-label="{self.year_to_date}">{ytd}</td>\n'
            f'          <td class="num" data-label="{self.target}">{target}</td>\n'
            "        </tr>\n      "
        )

    def branch_head(self) -> str:
        heads = []
        for ind, target in self.sheet.branch_indicators:
            flagged = ' class="flagged"' if ind.code in self.flagged else ""
            planned = ""
            if target is not None:
                planned = f'<br><span class="muted">{self.commune_target}: {_number(target)}</span>'
            heads.append(
                f'<th{flagged}><span class="code">{escape(ind.code)}</span> {escape(ind.name_vi)}'
                f"{self.flag(ind.code)}{planned}</th>"
            )
        return "".join(heads)

    def branch_cell(self, cell: Cell) -> str:
        return (
            f'<td class="inputs">{self.inputs(cell)}\n'
            f'            <span class="muted small">{self.last_month}:'
            f" {escape(cell.last_month_text or '–')} · {self.year_to_date}:"
            f" {_number(cell.year_to_date) or '–'}</span></td>"
        )

    def branch_rows(self) -> str:
        return "".join(
            f'\n        <tr><th scope="row">{escape(branch.name)}</th>\n'
            f"          {''.join(self.branch_cell(cell) for cell in row)}\n"
            "        </tr>\n      "
            for branch, row in self.sheet.branch_rows
        )


# Every value of the strings below is escaped, an int or a date.


@register.simple_tag
def commune_rows(sheet: Sheet, flagged: Collection[str], can_edit: bool) -> SafeString:
    """The rows of the commune's own indicators: name, inputs, last month, the same month last
    year, the year so far and the target."""
    grid = _Grid(sheet, flagged, can_edit)
    return mark_safe("".join(grid.commune_row(cell) for cell in sheet.commune_cells))


@register.simple_tag
def derived_rows(sheet: Sheet, can_edit: bool, path: str) -> SafeString:
    """The rows of the figures computed from activities, with links to the month's activities
    (and to add one, when the month can be edited; `path`: the form, to come back to)."""
    grid = _Grid(sheet, (), can_edit)
    return mark_safe("".join(grid.derived_row(cell, path) for cell in sheet.derived_cells))


@register.simple_tag
def branch_head(sheet: Sheet, flagged: Collection[str]) -> SafeString:
    """The header cells of the branches' table: one per branch indicator, with its target."""
    return mark_safe(_Grid(sheet, flagged, False).branch_head())


@register.simple_tag
def branch_rows(sheet: Sheet, flagged: Collection[str], can_edit: bool) -> SafeString:
    """A row per branch: its inputs of each branch indicator, last month and the year so far."""
    return mark_safe(_Grid(sheet, flagged, can_edit).branch_rows())


def _at(moment: datetime.datetime) -> str:
    """As the template's `|date:"d/m/Y H:i"`, in the current time zone."""
    return f"{timezone.localtime(moment):%d/%m/%Y %H:%M}"


@register.simple_tag
def timeline_items(events: Iterable[SubmissionEvent]) -> SafeString:
    """The month's review events, oldest first: when, what, who and the comment."""
    automatic = escape(_("tự động"))
    # As get_action_display, which builds the choices' dict again for each call.
    field = SubmissionEvent._meta.get_field("action")
    labels = {value: escape(str(label)) for value, label in field.flatchoices}
    items = []
    for e in events:
        who = escape(e.actor.get_full_name() or e.actor.username) if e.actor else automatic
        comment = f"<blockquote>{escape(e.comment)}</blockquote>" if e.comment else ""
        items.append(
            f"\n      <li><time>{_at(e.at)}</time> · "
            f"<strong>{labels.get(e.action, escape(e.action))}</strong>\n"
            f"        · {who}\n"
            f"        {comment}</li>\n    "
        )
    return mark_safe("".join(items))


@register.simple_tag
def history_rows(history: Iterable[dict[str, Any]], unit: Unit) -> SafeString:
    """The rows of the month's value changes (indicators.selectors.value_history), newest
    first; a branch's change names the branch."""
    rows = []
    for h in history:
        user = escape(h["user"].username) if h["user"] is not None else ""
        where = f" · {escape(h['unit'].name)}" if h["unit"] != unit else ""
        rows.append(
            f"\n        <tr><td>{_at(h['at'])}</td><td>{user or '—'}</td>\n"
            f'          <td><span class="code">{escape(h["indicator"].code)}</span>{where}</td>\n'
            f'          <td class="num">{escape(str(h["before"]))}</td>'
            f'<td class="num">{escape(str(h["after"]))}</td>'
            f"<td>{escape(str(h['source']))}</td></tr>\n      "
        )
    return mark_safe("".join(rows))
