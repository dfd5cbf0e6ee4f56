"""Numbers are ASCII digits with the Vietnamese separators only: fullwidth, Arabic-Indic and
other Unicode digits, underscores and exponents are refused with the usual message."""

from decimal import Decimal

import pytest

from common.numbers import NumberError, parse_number


@pytest.mark.parametrize("text", ["１２", "٣", "۴۵", "1_000", "1e5", "１.２３４", "12٫5", "ↁ"])
def test_non_ascii_digits_and_python_only_forms_are_refused(text: str) -> None:
    with pytest.raises(NumberError, match="không phải là số"):
        parse_number(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2.238", 2238), ("1.234,5", Decimal("1234.5")), ("70,5%", Decimal("70.5")),
     ("-", 0), ("-12", -12), ("0,25", Decimal("0.25")), (" 1 000 ", 1000), ("1.5", Decimal("1.5"))],
)  # fmt: skip
def test_the_vietnamese_forms_still_parse(text: str, expected: Decimal) -> None:
    assert parse_number(text) == Decimal(expected)


def test_blank_is_none() -> None:
    assert parse_number("  ") is None and parse_number(None) is None
