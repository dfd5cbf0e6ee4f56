"""What an officer of the load scenario types into the entry form: a value that passes the form's
rules (indicators.cycle.entry.check_entries), so that a save measures a real save, not a 400.

Read from the inputs' own attributes, as static/js/entry.js reads them (no portal import: the
locustfile runs in Locust's virtualenv):
- every number is a whole number >= 0 (a count), below LARGEST;
- a rate's numerator (`data-denominator` names its denominator) is at most its denominator,
  which is above 0, and the two are given together;
- a breakdown ("trong đó", `data-total` names its total) is at most its total, so a total is at
  least the largest of its breakdowns.
The new value stays near the old one (within 10), as a month's correction would, which also keeps
it clear of the "unusually high" warning.
"""

from __future__ import annotations

import random
import re

INPUT = re.compile(r"<input\b[^>]*>", re.S)
ATTR = re.compile(r'(\w[\w-]*)="([^"]*)"')
DISABLED = re.compile(r"\sdisabled\b")
PARTS = {"value", "numerator", "denominator"}
LARGEST = 10**12


def inputs(html: str) -> list[dict[str, str]]:
    """Each input's attributes; a bare `disabled` (a locked month's grid) as disabled=""."""
    found = []
    for tag in INPUT.findall(html):
        attrs = dict(ATTR.findall(tag))
        if DISABLED.search(ATTR.sub("", tag)):
            attrs.setdefault("disabled", "")
        found.append(attrs)
    return found


def form_fields(html: str) -> dict[str, str]:
    """The fields the browser would post: hidden inputs and the text inputs of the grid."""
    fields = {}
    for attrs in inputs(html):
        name = attrs.get("name")
        if name and attrs.get("type", "text") in {"text", "hidden"} and "disabled" not in attrs:
            fields[name] = attrs.get("value", "")
    return fields


def number(text: str) -> int | None:
    """A shown number ("2.238", "70", "1.234,0") as an int; None for a blank or anything else."""
    cleaned = text.strip().replace(".", "").split(",", 1)[0]
    return int(cleaned) if cleaned.isdigit() else None


def bounds(name: str, fields: dict[str, str], grid: list[dict[str, str]]) -> tuple[int, int] | None:
    """The values `name` may take with every other field as it is; None when none would do
    (its denominator or its total is blank, say)."""
    attrs = next((a for a in grid if a.get("name") == name), {})
    low, high = 0, LARGEST - 1
    if attrs.get("data-denominator"):  # a numerator: at most its denominator
        den = number(fields.get(attrs["data-denominator"], ""))
        if not den:
            return None
        high = min(high, den)
    if attrs.get("data-part") == "denominator":  # at least its numerator, and above 0
        num = number(fields.get(name.replace("denominator-", "numerator-", 1), ""))
        if num is None:
            return None
        low = max(low, num, 1)
    if attrs.get("data-total"):  # a breakdown: at most its total
        total = number(fields.get(attrs["data-total"], ""))
        if total is None:
            return None
        high = min(high, total)
    for other in grid:  # a total: at least each of its breakdowns
        if other.get("data-total") == name:
            part = number(fields.get(other.get("name", ""), ""))
            low = max(low, part or 0)
    return (low, high) if low <= high else None


def valid_change(fields: dict[str, str], html: str) -> tuple[str, str] | None:
    """(input name, new text) for one value field of the form, within the rules; None when no
    field can change (every one blank or tied)."""
    grid = [a for a in inputs(html) if a.get("name", "").split("-", 1)[0] in PARTS]
    names = [a["name"] for a in grid if a["name"] in fields]
    random.shuffle(names)
    for name in names:
        found = bounds(name, fields, grid)
        if found is None:
            continue
        low, high = found
        current = number(fields[name]) or 0
        near_low, near_high = max(low, current - 10), min(high, current + 10)
        if near_low > near_high:
            near_low, near_high = low, min(high, low + 10)
        return name, str(random.randint(near_low, near_high))
    return None
