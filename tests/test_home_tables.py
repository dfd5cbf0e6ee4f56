"""The home page's tables written in Python (indicators/templatetags: unit_figure_rows,
indicator_rows) give the HTML the template loops they replaced gave, byte for byte, in both
languages, for every status, basis and rule and for texts that need escaping."""

import datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import translation

from indicators.figures.base import Basis, Figure, Status
from indicators.models import Indicator
from indicators.templatetags.catalogue import indicator_rows
from indicators.templatetags.dashboard import unit_figure_rows

# The loops as the templates had them (templates/home/home.html, _unit_figures.html).
LOOPS = Path(__file__).parent / "data" / "home_tables"
END = datetime.date(2026, 12, 31)


def _indicators() -> list[Indicator]:
    source = Indicator(code="H-01", name_vi="Hội viên <mới>", unit="người", rule="sum")
    return [
        Indicator(code="H-01", name_vi="Hội viên <mới> & cũ", unit="người", rule="sum",
                  level="commune"),
        Indicator(code="H-02", name_vi="Tỷ lệ", unit="%", rule="rate", level="branch"),
        Indicator(code="H-03", name_vi="Phủ \"kín\"", unit="xã", rule="coverage",
                  level="commune", source=source, threshold=Decimal("5.50")),
        Indicator(code="H-04", name_vi="Luỹ kế", unit="lớp", rule="cumulative", level="province"),
        Indicator(code="H-05", name_vi="Tồn", unit="hộ", rule="stock", level="xyz"),
        Indicator(code="H-06", name_vi="Chưa có", unit="hộ", rule="sum", level="commune"),
    ]  # fmt: skip


def _figures() -> list[Figure]:
    return [
        Figure(Decimal("1234.5"), 3, target=Decimal(1000), target_period_end=END,
               achievement=Decimal("123.45"), status=Status.ACHIEVED, goal=Decimal(1000),
               basis=Basis.TARGET),
        Figure(Decimal("66.666"), 2, target=Decimal(80), target_period_end=END,
               achievement=Decimal("83.3"), status=Status.BEHIND, goal=Decimal(80),
               basis=Basis.LEVEL),
        Figure(Decimal("50"), 4, target=Decimal(60), target_period_end=END,
               expected_by_now=Decimal(50), achievement=Decimal(100),
               status=Status.ON_TRACK, goal=Decimal(50), basis=Basis.PACE),
        Figure(Decimal("0.05"), 1, status=Status.NO_TARGET),
        Figure(None, 0, target=Decimal(7), target_period_end=END, status=Status.NO_DATA),
        Figure(None),
    ]  # fmt: skip


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_figures_rows_are_the_loops(language: str) -> None:
    figures = list(zip(_indicators(), _figures(), strict=True))
    with translation.override(language):
        source = "{% load i18n dashboard %}" + (LOOPS / "figures_loop.html").read_text().strip()
        loop = Template(source).render(Context({"figures": figures}))
        assert unit_figure_rows(figures) == loop


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_catalogue_rows_are_the_loops(language: str) -> None:
    indicators = _indicators()

    program = SimpleNamespace(indicators=SimpleNamespace(all=lambda: indicators))
    with translation.override(language):
        source = "{% load i18n %}" + (LOOPS / "catalogue_loop.html").read_text().strip()
        loop = Template(source).render(Context({"program": program}))
        assert indicator_rows(indicators) == loop
