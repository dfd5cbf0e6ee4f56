"""Figures the member register computes, offered to the indicators that count members, so
nobody types them twice: H-04 (new members in the month) and the numerator of H-05 (members
at the month's end; the denominator, resident women aged 18+, is not in the register).

Offered only where the commune keeps its register in the portal; elsewhere the typed figure
stays the only source, and the form says which source each figure came from.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from common.periods import month_end
from indicators.models import Indicator
from members import selectors
from members.models import Unit

# Indicator code -> the part of the figure the register gives.
REGISTER_PARTS = {"H-04": "value", "H-05": "numerator"}


def register_figures(
    unit: Unit, indicators: list[Indicator], month: datetime.date
) -> dict[int, tuple[str, Decimal]]:
    """{indicator id: (part, value)} for the unit's month, or {} if it keeps no register."""
    wanted = [i for i in indicators if i.code in REGISTER_PARTS]
    counts = selectors.register_counts(unit, month, month_end(month)) if wanted else None
    if counts is None:
        return {}
    new, active = counts
    return {
        i.pk: (REGISTER_PARTS[i.code], Decimal(new if i.code == "H-04" else active)) for i in wanted
    }
