"""The form renderer writes <select> lists in Python: the same HTML as Django's templates."""

from decimal import Decimal

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from common.form_renderer import QuickSelectRenderer, select_html
from members.models import Level
from reports.forms import ReportRequestForm
from tests.factories import AssignmentFactory, UnitFactory

TEMPLATES = DjangoTemplates()
QUICK = QuickSelectRenderer()


def _both(widget: forms.Widget, name: str, value: object) -> tuple[str, str]:
    return (
        widget.render(name, value, renderer=TEMPLATES),
        widget.render(name, value, renderer=QUICK),
    )


WIDGETS = [
    forms.Select(choices=[("1", "Khánh Hòa"), ("2", "Cao Bằng")]),
    forms.Select(choices=[("", "---------"), (1, "a & <b>"), (2, 'say "hi"')], attrs={"id": "u"}),
    forms.Select(choices=[("Miền Bắc", [("1", "Cao Bằng"), ("2", "Quảng Ninh")]), ("3", "Huế")]),
    forms.Select(choices=[("x<y", mark_safe("<em>safe</em>")), ("7", Decimal("1.5"))]),
    forms.Select(
        choices=[("1", "a")], attrs={"required": True, "disabled": False, "data-x": "1 > 0"}
    ),
    forms.SelectMultiple(choices=[("1", "a"), ("2", "b"), ("3", "c")]),
    forms.NullBooleanSelect(),
    forms.Select(choices=[]),
]


@pytest.mark.parametrize("widget", WIDGETS)
@pytest.mark.parametrize("value", [None, "", "1", "2", ["1", "3"], "x<y", True])
def test_a_select_is_written_as_the_templates_write_it(widget, value):
    if isinstance(widget, forms.NullBooleanSelect) and isinstance(value, list):
        return  # not a value it takes
    expected, written = _both(widget, "unit", value)
    assert written == expected
    assert select_html(widget.get_context("unit", value, None)["widget"]) == written  # not sent on


@pytest.mark.django_db
def test_the_report_form_of_a_province_is_the_same_page_as_before(settings):
    """The unit list of a province viewer (every district and commune, by path), through the
    settings' renderer, is the HTML of Django's templates."""
    assert settings.FORM_RENDERER == "common.form_renderer.QuickSelectRenderer"
    province = UnitFactory(level=Level.PROVINCE, name="Khánh Hòa")
    for d in range(3):
        district = UnitFactory(level=Level.DISTRICT, parent=province, name=f"Huyện {d} & Co")
        for c in range(4):
            UnitFactory(level=Level.COMMUNE, parent=district, name=f"Xã <{c}>")
    viewer = AssignmentFactory(unit=province).user
    written = str(ReportRequestForm(user=viewer))
    expected = str(ReportRequestForm(user=viewer, renderer=TEMPLATES))
    assert written == expected
    assert written.count("Xã &lt;") == 12 and written.count("<option") >= 16


def test_an_option_of_another_template_goes_to_the_templates():
    class Fancy(forms.Select):
        option_template_name = "django/forms/widgets/input_option.html"

    widget = Fancy(choices=[("1", "a")])
    expected, written = _both(widget, "unit", "1")
    assert written == expected
    assert select_html(widget.get_context("unit", "1", None)["widget"]) is None
