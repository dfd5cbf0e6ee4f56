"""The PDF: opens, A4, and carries the unit names with their diacritics as text."""

from __future__ import annotations

import io
import re
import unicodedata

import pytest
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4

from reports.pdf import build_pdf
from reports.selectors import report_content
from tests.report_data import add_results, month

pytestmark = pytest.mark.django_db


@pytest.fixture
def pdf(khanh_hoa, catalog) -> PdfReader:
    program = add_results(khanh_hoa)
    content = report_content(program, khanh_hoa.province, month("2025-01"), month("2025-06"))
    return PdfReader(io.BytesIO(build_pdf(content)))


def _text(reader: PdfReader) -> str:
    return unicodedata.normalize("NFC", "\n".join(page.extract_text() for page in reader.pages))


def test_pdf_contains_the_unit_names_with_diacritics(pdf) -> None:
    text = _text(pdf)
    for name in ("Phường Ba Ngòi", "Phường Nha Trang", "Tổng cộng (Tỉnh Khánh Hòa)"):
        assert name in text
    # Narrow columns wrap the sub-headers over two lines.
    assert re.search(r"Kế\s+hoạch", text) and re.search(r"Thực\s+hiện", text)


def test_pdf_pages_are_a4_landscape(pdf) -> None:
    box = pdf.pages[0].mediabox
    assert sorted((round(float(box.width)), round(float(box.height)))) == sorted(
        (round(A4[0]), round(A4[1]))
    )


def test_pdf_embeds_a_font_with_vietnamese_letters(pdf) -> None:
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in pdf.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert any("DejaVuSansCondensed" in f for f in fonts)
