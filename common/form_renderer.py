"""The form renderer (settings.FORM_RENDERER): Django's own, with drop-down lists written in
Python.

Django renders a <select> by including one template per <option>, and its attributes through a
third: the report form's unit list (every district and commune of a province, ~470 options)
cost ~50 ms of CPU per page, as much as an entry form. The same HTML, byte for byte, is written
here (tests/test_form_renderer.py compares it with Django's templates); anything unusual (an
option of another template, a request passed in) goes to Django's templates as before.
"""

from __future__ import annotations

from typing import Any

from django.forms.renderers import DjangoTemplates
from django.template.base import render_value_in_context
from django.template.context import Context
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, mark_safe

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"

# The template's own context for {{ }} values: autoescape on, localisation on (as Django's
# renderer renders them).
_CONTEXT = Context(autoescape=True)


class QuickSelectRenderer(DjangoTemplates):
    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        if template_name == SELECT and request is None:
            written = select_html(context["widget"])
            if written is not None:
                return written
        return super().render(template_name, context, request)


def _value(value: Any) -> str:
    """{{ value }} in a template."""
    return render_value_in_context(value, _CONTEXT)


def _string(value: Any) -> str:
    """{{ value|stringformat:'s' }}: the filter keeps a safe string safe."""
    text = str(value)  # "%s" % value: the same for one value
    return conditional_escape(mark_safe(text) if isinstance(value, SafeData) else text)


def _attrs(attrs: dict[str, Any]) -> str:
    """django/forms/widgets/attrs.html."""
    parts = []
    for name, value in attrs.items():
        if value is not False:
            parts.append(
                f" {_value(name)}" if value is True else f' {_value(name)}="{_string(value)}"'
            )
    return "".join(parts)


def _option(option: dict[str, Any]) -> str:
    # The included template's own newline stays: an include keeps the file's last line end.
    value, label = _string(option["value"]), _value(option["label"])
    return f'<option value="{value}"{_attrs(option["attrs"])}>{label}</option>\n'


def select_html(widget: dict[str, Any]) -> str | None:
    """django/forms/widgets/select.html for this widget context, or None to use the template."""
    parts = [f'<select name="{_value(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_value(group_name)}">')
        for option in group_choices:
            if option.get("template_name") != OPTION:
                return None
            parts.append("\n  " + _option(option))
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    # BaseRenderer.render strips what the template wrote.
    return mark_safe("".join(parts).strip())
