"""A choice's label, as get_FOO_display gives it, without its cost: Django's builds a dict of
every choice per call, hashing each lazy label (a translation each), about 0.1 ms a call; a
page listing 60 units or indicators paid several milliseconds for their levels and rules."""

from __future__ import annotations

from functools import cache

from django.db.models import Choices


@cache
def _labels(choices: type[Choices]) -> dict[str, object]:
    """The class's values and lazy labels: translated when shown, in the request's language."""
    return dict(choices.choices)


def label_of(choices: type[Choices], value: str) -> str:
    """get_FOO_display for a field with these choices: the label in the active language, or
    the value itself when it is not one of them."""
    label = _labels(choices).get(value)
    return value if label is None else str(label)
