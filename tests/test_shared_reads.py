"""The figures of one page share their reads (indicators.figures.table.shared_reads): a new
commune's figures, which read its lineage through the table computation, read the subtree's
units once for all indicators rather than once each, with the same values."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from indicators.figures import engine
from indicators.figures.table import shared_reads
from indicators.models import Rule
from members import lineage
from members.models import Unit
from tests import reform_tree
from tests.test_engine import enter
from tests.test_reform_figures import FLOW, _indicator

pytestmark = pytest.mark.django_db


def test_a_pages_figures_read_the_subtree_once_with_the_same_values() -> None:
    tree = reform_tree.build()
    indicators = []
    for n in range(4):
        indicator = _indicator(f"F-{n}", Rule.SUM)
        for name, values in FLOW.items():
            enter(indicator, getattr(tree, name), values)
        indicators.append(indicator)
    start, end = datetime.date(2025, 1, 1), datetime.date(2025, 12, 1)

    def figures() -> list:
        abc = Unit.objects.get(pk=tree.abc.pk)  # a request's own object, nothing read yet
        return [engine.measure(i, abc, start, end).value for i in indicators]

    def unit_reads(queries: CaptureQueriesContext) -> int:
        return sum('FROM "members_unit"' in q["sql"] for q in queries.captured_queries)

    figures()  # warms what a process caches once
    lineage.forget()  # both measured cold: the map read again, as after a change of the map
    with CaptureQueriesContext(connection) as alone:
        each = figures()
    lineage.forget()
    with CaptureQueriesContext(connection) as shared, shared_reads():
        together = figures()

    assert each == together == [115] * 4  # ABC's 2025: 100 + A, B and C before the merger
    # The map is read once a page (since kept across pages with the lineage: shared or not).
    assert unit_reads(shared) == unit_reads(alone) > 0
    assert len(shared.captured_queries) <= len(alone.captured_queries)
