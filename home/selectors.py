"""What the unit page shows of a unit's history: the old units it was formed from, and their
figures over the part of the page's range when they still existed."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from common.periods import month_start
from indicators.figures.engine import Figure, figures_of_unit
from indicators.models import Indicator
from members.lifespan import Predecessor


@dataclass(frozen=True)
class PredecessorRow:
    """An old unit on its successor's page: how it went in, and its figures from `start` to
    `end` (its own last month, or the page's range's if it still existed then); `end` is None
    when it had ceased before the range began (no figure is shown, only the link)."""

    link: Predecessor
    start: datetime.date
    end: datetime.date | None
    figures: list[Figure]


def predecessor_rows(
    predecessors: list[Predecessor],
    indicators: list[Indicator],
    start: datetime.date,
    day: datetime.date,
) -> tuple[list[Indicator], list[PredecessorRow]]:
    """The program's indicators (indicators.selectors.program_indicators) and, for each
    predecessor, its figures over the range cut at its last day: what a new commune's
    predecessors recorded in January–June 2025 on its 2025 page. A split predecessor is listed
    with its figures too: its history is not the new unit's (it goes to the lowest unit holding
    all its successors), which the page says."""
    rows = []
    for link in predecessors:
        last = day if link.unit.valid_to is None else min(day, link.unit.valid_to)
        if last < start:
            rows.append(PredecessorRow(link, start, None, []))
            continue
        begin, end = month_start(start), month_start(last)
        figures = figures_of_unit(indicators, link.unit, begin, end)
        rows.append(PredecessorRow(link, begin, end, figures))
    return indicators, rows
