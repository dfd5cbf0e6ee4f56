"""The reviewer's rows written in Python (indicators/templatetags/review_table.py) write what
the template wrote: links as {% url %}, numbers as localize, months as the date filter."""

from __future__ import annotations

import datetime
from decimal import Decimal
from html import escape

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import translation
from django.utils.formats import localize

from indicators.figures.completeness import Counts, Overview
from indicators.templatetags.pickers import month_options, program_options
from indicators.templatetags.review_table import _Table, unit_link
from members.models import Unit
from programs.models import Program

NOV_2026 = datetime.date(2026, 11, 1)


@pytest.mark.parametrize("code", ["CTH", "DA&938"])
@pytest.mark.parametrize("name", ["indicators:entry_form", "indicators:review_overview"])
def test_a_row_link_is_the_url_tag_s(name: str, code: str) -> None:
    link = unit_link(name, Program(code=code), NOV_2026)
    for pk in (1, 46, 987654320, 22423):
        assert link(pk) == escape(reverse(name, args=[pk, code, "2026-11"]))


NUMBERS: list[int | Decimal] = [
    0,
    7,
    1234,
    65432,
    Decimal("0.0"),
    Decimal("100.0"),
    Decimal("33.3"),
    Decimal("1234.5"),
]


@pytest.mark.parametrize("grouped", [False, True])
@pytest.mark.parametrize("language", ["vi", "en"])
def test_numbers_are_written_as_the_template_wrote_them(grouped: bool, language: str) -> None:
    overview = Overview(Unit(), Program(code="CTH"), NOV_2026, NOV_2026, [], Counts())
    with override_settings(USE_THOUSAND_SEPARATOR=grouped), translation.override(language):
        table = _Table(overview)
        assert [table.number(n) for n in NUMBERS] == [localize(n) for n in NUMBERS]


def test_the_month_options_select_the_overview_s_month() -> None:
    months = [datetime.date(2026, 12, 1), NOV_2026, datetime.date(2021, 1, 1)]
    assert month_options(months, NOV_2026) == (
        '<option value="2026-12">12/2026</option>'
        '<option value="2026-11" selected>11/2026</option>'
        '<option value="2021-01">01/2021</option>'
    )


def test_the_program_options_escape_and_select_the_page_s_program() -> None:
    """One picker for the entry form and the review overview (indicators.templatetags.pickers)."""
    shown = Program(code="CTH", start_year=2021, end_year=2025)
    other = Program(code="<b>", start_year=2026, end_year=2030)
    assert program_options([shown, other], shown) == (
        '<option value="CTH" selected>CTH (2021–2025)</option>'
        f'<option value="&lt;b&gt;">&lt;b&gt; ({other.phase})</option>'
    )
