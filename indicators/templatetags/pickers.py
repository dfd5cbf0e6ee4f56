"""The program and month pickers' options, written in Python (the entry form and the review
overview show them on every load): one f-string a page instead of a template loop."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from html import escape  # Django's adds a SafeString per call; the options are marked safe whole

from django import template
from django.utils.safestring import SafeString, mark_safe

from programs.models import Program

register = template.Library()


@register.simple_tag
def program_options(programs: Iterable[Program], shown: Program) -> SafeString:
    """The program picker's options, the page's own selected."""
    return mark_safe(
        "".join(
            f'<option value="{escape(p.code)}"{" selected" if p == shown else ""}>'
            f"{escape(p.code)} ({escape(p.phase)})</option>"
            for p in programs
        )
    )


@register.simple_tag
def month_options(months: Iterable[datetime.date], shown: datetime.date) -> SafeString:
    """The month picker's options (a program's months, most recent first), the page's
    selected."""
    return mark_safe(
        "".join(
            f'<option value="{m:%Y-%m}"{" selected" if m == shown else ""}>{m:%m/%Y}</option>'
            for m in months
        )
    )
