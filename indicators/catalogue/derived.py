"""Indicators derived from activity records: what `Indicator.derived_from` says.

The spec reads `activities:count` or `activities:sum:<field>`, optionally followed by
`:type=<code>[,<code>...]`: the number of the program's activities of those types held in the
month, or the sum of one participant field over them. Indicators only parses and checks the
spec; the activities and their figures belong to the programs app, which hands the figures to
`indicators.catalogue.services.write_derived`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

PREFIX = "activities"
COUNT, SUM = "count", "sum"
# The participant fields of an activity that a derived indicator may add up.
SUMMABLE_FIELDS = (
    "participants",
    "participants_women",
    "participants_minority",
    "participants_over35",
)


class SpecError(ValueError):
    """The spec cannot be read; the message says why, in Vietnamese."""


@dataclass(frozen=True)
class DerivedSpec:
    kind: str  # COUNT or SUM
    field: str = ""  # for SUM: one of SUMMABLE_FIELDS
    types: tuple[str, ...] = ()  # activity type codes; empty means every type


def _types(part: str) -> tuple[str, ...]:
    name, _sep, codes = part.partition("=")
    found = tuple(code.strip() for code in codes.split(",") if code.strip())
    if name.strip() != "type" or not found:
        raise SpecError(_("«%(part)s» không hiểu được; cần dạng type=tap_huan") % {"part": part})
    return found


def parse_spec(text: str, known_types: set[str] | None = None) -> DerivedSpec:
    """The spec of `text`; SpecError naming the wrong part. With `known_types`, type codes
    outside it are refused too."""
    parts = [p.strip() for p in text.strip().split(":")]
    if len(parts) < 2 or parts[0] != PREFIX or parts[1] not in (COUNT, SUM):
        raise SpecError(
            _(
                "phải bắt đầu bằng activities:count hoặc activities:sum:<trường>, "
                "không phải «%(text)s»"
            )
            % {"text": text}
        )
    kind, rest, field = parts[1], parts[2:], ""
    if kind == SUM:
        if not rest or rest[0] not in SUMMABLE_FIELDS:
            raise SpecError(
                _("trường cộng «%(field)s» không có; chỉ nhận: %(allowed)s")
                % {"field": rest[0] if rest else "", "allowed": ", ".join(SUMMABLE_FIELDS)}
            )
        field, rest = rest[0], rest[1:]
    if len(rest) > 1:
        raise SpecError(_("thừa phần «%(part)s»") % {"part": ":".join(rest[1:])})
    types = _types(rest[0]) if rest else ()
    unknown = [code for code in types if known_types is not None and code not in known_types]
    if unknown:
        raise SpecError(
            _("loại hoạt động «%(code)s» không có; chỉ nhận: %(allowed)s")
            % {"code": unknown[0], "allowed": ", ".join(sorted(known_types or ()))}
        )
    return DerivedSpec(kind, field, types)
