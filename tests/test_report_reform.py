"""A report across the 2025 reform (PRODUCT.md, "Figures across the 2025 reform"): its rows are
the children on the map of the range's last day, each with its lineage, plus a row "Không phân
bổ được" for what split predecessors recorded; for every flow the rows add up to the total, in
the report's content, its workbook and its PDF. Hand-computed on tests/reform_tree.py's tree
with the results of tests/test_reform_figures.py:

- 2025 (across): rows Xã ABC 115, Xã D 232, "Không phân bổ được" 16 (Xã S, split), Khánh Hòa
  363 = 115 + 232 + 16; the cumulative to December 2025 adds A's 1000 of 2024-12: 1115, 232,
  16, 1363. Stock: ABC 20, D 11 (D cũ's), total 31; rate ABC 50%, D 25%, total 6/14.
- 2025-01..06 (before): the old map, one row Huyện Diên Khánh (A + B + S = 23) = the total 23;
  no "Không phân bổ được" row.
"""

from __future__ import annotations

import io
import re
import unicodedata
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from common.periods import parse_month
from indicators.figures.rules import rule_for
from indicators.models import Indicator, Rule
from programs.models import Program
from reports.excel import build_workbook
from reports.pdf import build_pdf
from reports.selectors import ReportContent, report_content
from tests import reform_tree
from tests.test_engine import enter, enter_rate
from tests.test_reform_figures import RATE, STOCK, _indicator, flow

pytestmark = pytest.mark.django_db

FIRST_ROW = 8  # title block, a blank row, two header rows


@pytest.fixture
def tree() -> reform_tree.Tree:
    return reform_tree.build()


@pytest.fixture
def program(tree: reform_tree.Tree) -> Program:
    """A flow of each kind, a stock and a rate on the tree (all in program CT, 2017–2027)."""
    sessions = flow(tree, Rule.SUM)
    flow(tree, Rule.CUMULATIVE)
    models = _indicator("S-1", Rule.STOCK)
    for name, values in STOCK.items():
        enter(models, getattr(tree, name), values)
    informed = _indicator("R-1", Rule.RATE)
    for name, values in RATE.items():
        enter_rate(informed, getattr(tree, name), values)
    return sessions.program


def _content(program: Program, tree: reform_tree.Tree, start: str, end: str) -> ReportContent:
    return report_content(program, tree.kh, parse_month(start), parse_month(end))


def _column(content: ReportContent, code: str) -> int:
    return next(i for i, ind in enumerate(content.indicators) if ind.code == code)


def _flows(content: ReportContent) -> list[Indicator]:
    return [ind for ind in content.indicators if rule_for(ind).adds_up]


def test_across_the_reform_the_rows_are_the_new_communes_with_a_rest_row(tree, program) -> None:
    content = _content(program, tree, "2025-01", "2025-12")

    assert [row.unit for row in content.rows] == [tree.abc, tree.d]  # no Huyện Diên Khánh
    assert content.rest is not None
    value = {code: _column(content, code) for code in ("F-sum", "F-cumulative", "S-1", "R-1")}
    by_unit = {row.unit.pk: row.figures for row in content.rows}
    sums = value["F-sum"]
    assert [by_unit[tree.abc.pk][sums].value, by_unit[tree.d.pk][sums].value] == [115, 232]
    assert (content.rest[sums].value, content.total[sums].value) == (16, 363)
    cumulative = value["F-cumulative"]
    assert by_unit[tree.abc.pk][cumulative].value == 1115
    assert (content.rest[cumulative].value, content.total[cumulative].value) == (16, 1363)
    stock, rate = value["S-1"], value["R-1"]
    assert [by_unit[u.pk][stock].value for u in (tree.abc, tree.d)] == [20, 11]
    assert content.total[stock].value == 31
    assert [by_unit[u.pk][rate].value for u in (tree.abc, tree.d)] == [50, 25]
    assert (content.total[rate].numerator, content.total[rate].denominator) == (6, 14)


@pytest.mark.parametrize(
    ("start", "end"), [("2025-01", "2025-12"), ("2024-12", "2025-12"), ("2025-07", "2025-12"),
                       ("2025-01", "2025-06"), ("2025-06", "2025-09")],
)  # fmt: skip
def test_every_flow_adds_up_to_the_total(tree, program, start: str, end: str) -> None:
    content = _content(program, tree, start, end)

    assert _flows(content)
    for ind in _flows(content):
        i = content.indicators.index(ind)
        parts = [row.figures[i].value for row in content.rows]
        if content.rest is not None:
            parts.append(content.rest[i].value)
        total = sum((p for p in parts if p is not None), Decimal(0))
        assert content.total[i].value == total, f"{ind.code} {start}..{end}"


def test_a_range_before_the_reform_shows_the_old_map(tree, program) -> None:
    content = _content(program, tree, "2025-01", "2025-06")

    assert [row.unit for row in content.rows] == [tree.dien_khanh]
    assert content.rest is None
    sums = _column(content, "F-sum")
    assert content.rows[0].figures[sums].value == content.total[sums].value == 23


def test_the_workbook_writes_the_rest_row_and_its_flows_add_up(tree, program) -> None:
    content = _content(program, tree, "2025-01", "2025-12")
    sheet = load_workbook(io.BytesIO(build_workbook(content)))["Tiến độ"]

    labels = [sheet.cell(row=r, column=3).value for r in (FIRST_ROW, FIRST_ROW + 1)]
    assert labels == ["Xã ABC", "Xã D"]
    rest, total = FIRST_ROW + 2, FIRST_ROW + 3
    assert sheet.cell(row=rest, column=1).value == "Không phân bổ được"
    assert sheet.cell(row=total, column=1).value == "Tổng cộng (Tỉnh Khánh Hòa)"
    for ind in _flows(content):
        actual = 4 + 3 * content.indicators.index(ind) + 1  # Thực hiện
        rows = [sheet.cell(row=r, column=actual).value or 0 for r in range(FIRST_ROW, total)]
        assert sum(rows) == sheet.cell(row=total, column=actual).value, ind.code
    sums = 4 + 3 * _column(content, "F-sum") + 1
    column = [sheet.cell(row=r, column=sums).value for r in range(FIRST_ROW, total + 1)]
    assert column == [115, 232, 16, 363]
    notes = " ".join(str(sheet.cell(row=r, column=1).value) for r in range(total + 1, total + 6))
    assert "Dòng «Không phân bổ được»" in notes


def test_the_workbook_of_the_old_map_has_no_rest_row(tree, program) -> None:
    content = _content(program, tree, "2025-01", "2025-06")
    sheet = load_workbook(io.BytesIO(build_workbook(content)))["Tiến độ"]

    assert sheet.cell(row=FIRST_ROW, column=3).value == "Huyện Diên Khánh"
    assert sheet.cell(row=FIRST_ROW + 1, column=1).value == "Tổng cộng (Tỉnh Khánh Hòa)"


def test_the_pdf_writes_the_rest_row_between_the_rows_and_the_total(tree, program) -> None:
    content = _content(program, tree, "2025-01", "2025-12")
    reader = PdfReader(io.BytesIO(build_pdf(content)))
    text = unicodedata.normalize("NFC", "\n".join(page.extract_text() for page in reader.pages))
    words = re.sub(r"\s+", " ", text)

    abc, d = words.index("Xã ABC"), words.index("Xã D ")
    rest, total = words.index("Không phân bổ được"), words.index("Tổng cộng (Tỉnh Khánh Hòa)")
    assert abc < d < rest < total
    # The first table's columns are F-cumulative then F-sum (by code), each Kế hoạch (none
    # here), Thực hiện, Tỷ lệ: 1.115 and 115 for Xã ABC; 16 and 16 apart; 1.363 and 363.
    assert re.search(r"Xã ABC – 1\.115 – – 115 –", words)
    assert re.search(r"Không phân bổ được – 16 – – 16 –", words)
    assert re.search(r"Tổng cộng \(Tỉnh Khánh Hòa\) – 1\.363 – – 363 –", words)


def test_an_old_districts_report_past_its_end_shows_its_communes_of_its_last_day(
    tree, program
) -> None:
    content = report_content(
        program, tree.dien_khanh, parse_month("2025-01"), parse_month("2025-12")
    )

    assert [row.unit for row in content.rows] == [tree.a, tree.b, tree.s]
    assert content.rest is None
    sums = _column(content, "F-sum")
    assert [row.figures[sums].value for row in content.rows] == [3, 4, 16]
    assert content.total[sums].value == 23
