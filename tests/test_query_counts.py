"""Query-count guards on the pages that matter: the dashboard, the entry form (and its save),
the review overview and a report's content each cost the same number of queries whatever the
number of rows (communes, branches), and no more than the ceiling measured when the guard was
written;
the home page (where every login lands) reads its figures in a few queries, not a few per
indicator. A page that starts querying per row fails here before it is slow in production.

    Tỉnh Khánh Hòa (56) ── Phường Ba Ngòi (22735) ── Chi hội Thôn 1
                       └── Phường Nha Trang (22333)
    then four more communes (and three more branches of Ba Ngòi) are added between two counts.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indicators.cycle.entry import Entry
from indicators.cycle.recording import record_results
from indicators.figures.engine import figure, figures_of_unit
from indicators.figures.rules import rule_for
from indicators.models import Indicator, Rule
from indicators.selectors import program_indicators
from programs.models import Program
from reports import selectors
from tests import factories
from tests.entry_posts import form_version

pytestmark = pytest.mark.django_db
OCT = datetime.date(2025, 10, 1)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _queries(action: Callable[[], object]) -> int:
    action()  # warms what a process caches once (content types, the catalogue's rules)
    with CaptureQueriesContext(connection) as context:
        action()
    return len(context.captured_queries)


def _get(client: Client, url: str) -> Callable[[], object]:
    def fetch() -> object:
        response = client.get(url)
        assert response.status_code == 200
        return response

    return fetch


def _more_communes(khanh_hoa, count: int = 4) -> None:
    h01 = Indicator.objects.get(code="H-01")
    for n in range(count):
        commune = factories.commune(khanh_hoa.province, f"Phường Thử {n}", f"9{n:04d}")
        factories.branch(commune, 1)
        record_results([Entry(commune, h01, OCT, value=Decimal(n + 1))])


@pytest.fixture
def results(khanh_hoa, catalog):
    h01 = Indicator.objects.get(code="H-01")
    record_results(
        [
            Entry(khanh_hoa.ba_ngoi, h01, OCT, value=Decimal(20)),
            Entry(khanh_hoa.nha_trang, h01, OCT, value=Decimal(5)),
        ]
    )
    return khanh_hoa


def test_the_dashboard_costs_the_same_for_more_communes(results) -> None:
    url = reverse("indicators:dashboard", args=[results.province.pk, "CTH"]) + "?ky=nam&nam=2025"
    page = _get(_client(results.province_reviewer), url)
    before = _queries(page)
    _more_communes(results)

    assert _queries(page) == before
    assert before <= 35


def test_the_entry_form_costs_the_same_for_more_branches(results) -> None:
    url = reverse("indicators:entry_form", args=[results.ba_ngoi.pk, "CTH", "2025-10"])
    page = _get(_client(results.commune_officer), url)
    before = _queries(page)
    for number in (2, 3, 4):
        factories.branch(results.ba_ngoi, number)

    assert _queries(page) == before
    # 28: the year-to-date read once per kind of indicator, not once per indicator, and the
    # permission checks from the request's assignments (46 before); the catalogue kept in the
    # process (its version read once a page), the thirteen months of results with their peaks
    # in one read, the targets in one (32 before). Constant in branches.
    assert before <= 28


def test_the_review_overview_costs_the_same_for_more_communes(results) -> None:
    url = reverse("indicators:review_overview", args=[results.province.pk, "CTH", "2025-10"])
    page = _get(_client(results.province_reviewer), url)
    before = _queries(page)
    _more_communes(results)

    assert _queries(page) == before
    # 7: the page's program among the picker's, the reviewer's units and breadcrumb from the
    # request's assignments, the communes' own rows as the children (11 before).
    assert before <= 7


def test_the_home_page_reads_its_figures_in_a_few_queries(results) -> None:
    page = _get(_client(results.commune_officer), reverse("home:home"))
    before = _queries(page)
    cth = Program.objects.get(code="CTH")
    for n, rule in enumerate([Rule.SUM, Rule.STOCK, Rule.RATE]):
        factories.IndicatorFactory(program=cth, code=f"H-9{n}", rule=rule)

    # The unit's figures (engine.figures_of_unit): the targets of every indicator in two
    # queries; the rows once per kind for a unit with a lineage, else one query per indicator
    # (3-4 per indicator before: the subtree's units, the rows, one or two for the target).
    assert _queries(page) - before <= 3
    # 32: the reminders in one submissions query, the assignments read once, the unit counts
    # and its merger links kept with its lineage (36 before).
    assert before <= 32


def test_a_reports_content_costs_the_same_for_more_communes(results) -> None:
    program = Program.objects.get(code="CTH")

    def content() -> object:
        return selectors.report_content(
            program, results.province, datetime.date(2025, 1, 1), datetime.date(2025, 12, 1)
        )

    before = _queries(content)
    _more_communes(results)

    assert _queries(content) == before
    # Measured at 273 (682 when the monthly sheet asked the engine for each indicator's month
    # one by one): each month's figures come from engine.figures_of_unit, a few queries a month
    # for the 17 indicators; it grows with months, never with rows. The unit's lineage is read
    # once for all of them (members.lineage); the main table is the dashboard's (targets in two
    # queries, each indicator's rows once).
    assert before <= 290


def test_a_provinces_flows_read_their_month_totals_together(results) -> None:
    """A unit above its flows' level (a province's home page) reads their month totals in one
    query per first month they read from, the same figures as one indicator at a time."""
    indicators = program_indicators(Program.objects.get(code="CTH"))
    start = datetime.date(2025, 1, 1)
    one_by_one = [figure(i, results.province, start, OCT) for i in indicators]
    with CaptureQueriesContext(connection) as context:
        together = figures_of_unit(indicators, results.province, start, OCT)

    assert together == one_by_one
    province = results.province
    flows = [i for i in indicators if rule_for(i).adds_up and rule_for(i).reads_totals(province)]
    reads = [q for q in context.captured_queries if "indicators_monthtotal" in q["sql"]]
    assert len(flows) > 2 and len(reads) <= 2


def test_a_save_of_the_entry_form_costs_the_same_for_more_branches(results) -> None:
    url = reverse("indicators:entry_form", args=[results.ba_ngoi.pk, "CTH", "2025-10"])
    client = _client(results.commune_officer)
    h01 = f"value-{results.ba_ngoi.pk}-{Indicator.objects.get(code='H-01').pk}"
    values = iter(range(21, 40))  # a new figure each time, so that each save writes

    def save_queries() -> int:
        version = form_version(client, url)  # the form opened first, not counted
        with CaptureQueriesContext(connection) as context:
            response = client.post(url, {"version": version, h01: next(values), "action": "save"})
        assert response.status_code == 302
        return len(context.captured_queries)

    save_queries()  # warms what a process caches once
    before = save_queries()
    for number in (2, 3, 4):
        factories.branch(results.ba_ngoi, number)

    assert save_queries() == before
    # 19 (24 before): the saved rows read once, locked, for the write and the checks; one
    # UPDATE from a list of values; no savepoint of the service's own; the rights from the
    # request's assignments. In a test's transaction the save's own is a savepoint (2 of them).
    assert before <= 19
