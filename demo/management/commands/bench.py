"""`manage.py bench`: national-scale figures of the pages that matter, on PostgreSQL.

Builds the dataset of bench.national on both maps of the 2025 reform in the configured database
(it removes an earlier run's bench data first, and nothing else), then times each request
through the whole Django stack (middleware, view, template) in this process with persistent
connections, as gunicorn serves them: the dashboards of a province merged in 2025 and of the
country over three ranges (ending before the reform, after it, and across it), the entry form,
and one aggregate by the engine against a naive sum in the same run; then how the cost grows
with the number of predecessors (one new commune's flow with 1, 2, 3... old communes merged
into it, against a naive sum; province dashboards with few and many mergers). Prints p50/p95 in
milliseconds; --json prints one JSON object.

It calls only public functions (the dashboard page, `engine.figure`, `engine.measure`), so it
times whichever figure rules the code has; the naive sum adds the results of the province's
subtree and of the old provinces merged into it, and the checks say which of the two sums the
engine's figure equals ("lineage" or "subtree").
"""

from __future__ import annotations

import datetime
import json
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.signals import request_finished
from django.db.models import Count, Q, Sum
from django.test import Client
from django.urls import reverse

from bench import national
from common.periods import add_months
from indicators.cycle import sheet as sheets
from indicators.figures.engine import figure, measure
from indicators.models import Indicator, Result, Rule, Submission
from members.lineage import forget as forget_lineages
from members.lineage import freeze_kept
from members.models import Level, Unit, UnitSuccession
from programs.models import Program

PROGRAM = "CTH"  # the catalogue's program with the most indicators
COLUMNS = 10
REFORM = datetime.date(2025, 7, 1)
# The dashboard's ranges: (period, month) ending before the reform, after it, across it.
RANGES = {
    "before": ("luy-ke", datetime.date(2025, 6, 1)),
    "after": ("thang", datetime.date(2025, 12, 1)),
    "across": ("luy-ke", datetime.date(2025, 12, 1)),
}


def _timed(fn: Callable[[], object], runs: int) -> dict[str, float]:
    fn()  # warm-up: caches, connection, query plans
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return {"p50": round(statistics.median(samples), 2), "p95": round(p95, 2), "runs": runs}


def _get(client: Client, url: str) -> Callable[[], object]:
    def request() -> object:
        response = client.get(url)
        if response.status_code != 200:
            raise CommandError(f"GET {url}: {response.status_code}")
        return response

    return request


def _cold(request: Callable[[], object]) -> Callable[[], object]:
    def cold() -> object:
        forget_lineages()
        return request()

    return cold


class Command(BaseCommand):
    help = "Build a national-shaped dataset and time dashboards, the entry form and aggregates."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--communes", type=int, default=national.ALL_COMMUNES,
            help="whole provinces of the new map (the timed one first) until this many communes",
        )  # fmt: skip
        parser.add_argument("--months", type=int, default=108)
        parser.add_argument("--branches", type=int, default=10)
        parser.add_argument("--runs", type=int, default=20)
        parser.add_argument("--json", action="store_true")
        parser.add_argument(
            "--reuse", action="store_true", help="time the dataset of an earlier run again"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        last = datetime.date(2025, 12, 1)
        data = national.existing(last) if options["reuse"] else None
        try:
            data = data or national.build(
                options["communes"], options["months"], options["branches"], last=last
            )
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        built = time.perf_counter() - started
        figures = {"dataset": {**data.__dict__, "build_seconds": round(built, 1)}}
        figures["dataset"]["first"] = f"{data.first:%Y-%m}"
        figures["dataset"]["last"] = f"{data.last:%Y-%m}"
        figures.update(self._measure(options["runs"], data.last))
        self._print(figures, options["json"])

    def _measure(self, runs: int, last: datetime.date) -> dict[str, Any]:
        # As each gunicorn worker does (config/gunicorn.py, post_worker_init).
        request_finished.connect(freeze_kept, dispatch_uid="members.freeze_kept")
        program = Program.objects.get(code=PROGRAM)
        codes = list(
            Indicator.objects.filter(program=program)
            .order_by("position")
            .values_list("code", flat=True)[:COLUMNS]
        )
        province = national.timed_province()
        central = Unit.objects.get(level=Level.CENTRAL)
        commune = Unit.objects.get(assignments__user__username="bench.xa")
        columns = "&".join(f"chi_tieu={c}" for c in codes)
        timings: dict[str, Any] = {}
        viewer, reviewer, officer = (
            self._client(u) for u in ("bench.tw", "bench.tinh", "bench.xa")
        )
        timings["floor"] = _timed(_get(reviewer, reverse("health")), runs)
        for name, (period, month) in RANGES.items():
            query = f"?ky={period}&thang={month:%Y-%m}&{columns}"
            url = reverse("indicators:dashboard", args=[province.pk, PROGRAM]) + query
            timings[f"province_dashboard_{name}"] = _timed(_get(reviewer, url), runs)
        for name, (period, month) in RANGES.items():
            query = f"?ky={period}&thang={month:%Y-%m}&{columns}"
            url = reverse("indicators:dashboard", args=[central.pk, PROGRAM]) + query
            timings[f"national_dashboard_{name}"] = _timed(_get(viewer, url), max(5, runs // 2))
            # The first page after a change of the map (or in a new worker process) builds the
            # lineage the others find kept (members.lineage).
            timings[f"national_dashboard_{name}_cold"] = _timed(
                _cold(_get(viewer, url)), max(5, runs // 2)
            )
        form_url = reverse("indicators:entry_form", args=[commune.pk, PROGRAM, f"{last:%Y-%m}"])
        timings["form_load"] = _timed(_get(officer, form_url), runs)
        timings["form_save"], correct = self._saves(
            officer, form_url, commune, province, last, runs
        )
        aggregates, rules = self._aggregates(province, runs)
        timings.update(aggregates)
        timings["predecessors"] = self._predecessors(runs, last)
        timings["province_mergers"] = self._province_mergers(
            viewer, columns, max(5, runs // 2), last
        )
        timings["checks"] = {"aggregates_correct_after_save": correct, "engine_sum_is": rules}
        timings["ratios"] = {
            f"naive_over_engine_{name}": round(
                timings[f"aggregate_naive_{name}"]["p50"]
                / timings[f"aggregate_engine_{name}"]["p50"],
                1,
            )
            for name in RANGES
        } | {
            f"{scope}_dashboard_over_floor_{name}": round(
                timings[f"{scope}_dashboard_{name}"]["p50"] / timings["floor"]["p50"], 1
            )
            for scope in ("province", "national")
            for name in RANGES
        }
        timings["dashboard_columns"] = codes
        return timings

    def _client(self, username: str) -> Client:
        from accounts.models import User

        client = Client(HTTP_HOST="localhost")  # a host ALLOWED_HOSTS accepts by default
        client.force_login(User.objects.get(username=username))
        return client

    def _saves(
        self, client: Client, url: str, commune: Unit, province: Unit, month: datetime.date,
        runs: int,
    ) -> tuple[dict[str, float], bool]:  # fmt: skip
        """Saves the whole form, alternating two valid sets of values; then checks that the
        province's figures (read from the month totals) equal a sum over the raw results."""
        program = Program.objects.get(code=PROGRAM)
        sheet = sheets.build_sheet(commune, program, month)
        turn = {"n": 0}

        def save() -> object:
            turn["n"] += 1
            data = self._form_data(sheet, 20 + turn["n"] % 2)
            version = Submission.objects.filter(unit=commune, program=program, month=month)
            data["version"] = str(version.values_list("version", flat=True).first() or 0)
            response = client.post(url, data)
            if response.status_code != 302:
                raise CommandError(f"save refused: {response.status_code}")
            return response

        timing = _timed(save, runs)
        return timing, self._totals_match(province, program, month)

    def _form_data(self, sheet: sheets.Sheet, value: int) -> dict[str, str]:
        """Every field filled: totals `value`, breakdowns 1, rates 5/10 (all pass the checks)."""
        typed = {"numerator": "5", "denominator": "10"}
        data = {}
        for cell in sheet.cells:
            total = "1" if cell.indicator.part_of_id else str(value)
            for part, name, _shown, _problems in cell.inputs:
                data[name] = typed.get(part, total)
        return data

    def _totals_match(self, province: Unit, program: Program, month: datetime.date) -> bool:
        for indicator in Indicator.objects.filter(program=program, rule=Rule.SUM):
            naive = Result.objects.filter(
                indicator=indicator, unit__path__startswith=province.path, month=month
            ).aggregate(total=Sum("value"))["total"]
            if figure(indicator, province, month, month).value != naive:
                return False
        return True

    def _aggregates(self, province: Unit, runs: int) -> tuple[dict[str, Any], dict[str, str]]:
        """The timed province x an indicator x a range ending before, after and across the
        reform: the engine against a plain ORM sum over the raw results."""
        indicator = (
            Indicator.objects.filter(rule__in=[Rule.SUM, Rule.CUMULATIVE], level=Level.BRANCH)
            .select_related("program")
            .first()
        ) or Indicator.objects.filter(rule=Rule.SUM).select_related("program").first()
        assert indicator is not None
        start = datetime.date(indicator.program.start_year, 1, 1)
        ranges = {
            "before": (start, add_months(REFORM, -1)),
            "after": (REFORM, datetime.date(2025, 12, 1)),
            "across": (start, datetime.date(2025, 12, 1)),
        }
        subtree = Q(unit__path__startswith=province.path)
        lineage = subtree
        for merged in national.merged_into(province):
            lineage |= Q(unit__path__startswith=merged.path)
        timings: dict[str, Any] = {
            "aggregate_indicator": f"{indicator.code} ({indicator.level}, {indicator.rule})"
        }
        rules = {}
        for name, (first, last) in ranges.items():

            def engine(first: datetime.date = first, last: datetime.date = last) -> Any:
                return measure(indicator, province, first, last).value

            def with_target(first: datetime.date = first, last: datetime.date = last) -> Any:
                return figure(indicator, province, first, last).value

            def naive(
                first: datetime.date = first, last: datetime.date = last, units: Q = lineage
            ) -> Decimal | None:
                rows = Result.objects.filter(
                    units, indicator=indicator, month__gte=first, month__lte=last
                )
                return rows.aggregate(total=Sum("value"))["total"]

            value, whole, own = engine(), naive(), naive(units=subtree)
            if value == whole == own:
                rules[name] = "lineage = subtree"  # the range has no result of a merged province
            elif value == whole:
                rules[name] = "lineage"
            elif value == own:
                rules[name] = "subtree"
            else:
                raise CommandError(
                    f"{name}: engine {value} is neither the lineage's sum {whole} nor the "
                    f"subtree's {own} for {indicator.code}"
                )
            timings[f"aggregate_engine_{name}"] = _timed(engine, runs)
            timings[f"aggregate_naive_{name}"] = _timed(naive, runs)
            timings[f"aggregate_with_target_{name}"] = _timed(with_target, runs)
        return timings, rules

    def _predecessors(self, runs: int, last: datetime.date) -> list[dict[str, Any]]:
        """How one new commune's figure over a range across the reform grows with the number
        of its predecessors: for each number of merger links the dataset has, the first new
        commune with that many, the engine's figure of a commune-level flow (H-01, read from
        the results of the commune and its old communes) and of a branch-level flow (H-09, read
        from month totals), each against a naive ORM sum over the raw results of the commune's
        and its predecessors' subtrees."""
        program = Program.objects.get(code=PROGRAM)
        flows = {
            level: Indicator.objects.filter(
                program=program, level=level, rule=Rule.SUM, part_of__isnull=True
            )
            .select_related("program")
            .order_by("position")
            .first()
            for level in (Level.COMMUNE, Level.BRANCH)
        }
        start = datetime.date(program.start_year, 1, 1)
        communes = (
            Unit.objects.filter(
                code__startswith=national.PREFIX, is_demo=True, level=Level.COMMUNE,
                valid_from=REFORM,
            )
            .annotate(links=Count("predecessor_links"))
            .order_by("links", "code")
            .values_list("pk", "links")
        )  # fmt: skip
        first: dict[int, int] = {}
        how_many: dict[int, int] = defaultdict(int)
        for pk, links in communes:
            first.setdefault(links, pk)
            how_many[links] += 1
        found = []
        for links, pk in sorted(first.items()):
            commune = Unit.objects.get(pk=pk)
            # The old communes wholly merged into it (a split one belongs to the province).
            theirs = UnitSuccession.objects.filter(
                predecessor__successor_links__successor=commune
            ).exclude(successor=commune)
            split = set(theirs.values_list("predecessor", flat=True))
            whole = Unit.objects.filter(successor_links__successor=commune).exclude(pk__in=split)
            paths = [commune.path, *whole.values_list("path", flat=True)]
            where = Q()
            for path in paths:
                where |= Q(unit__path__startswith=path)
            row: dict[str, Any] = {"links": links, "communes": how_many[links]}
            for level, indicator in flows.items():
                if indicator is None:
                    continue

                def engine(indicator: Indicator = indicator, unit: Unit = commune) -> Any:
                    # A fresh object, as a new request has: its lineage is the one the
                    # process keeps for the map's version (members.lineage), not rebuilt.
                    return measure(indicator, Unit.objects.get(pk=unit.pk), start, last).value

                def naive(indicator: Indicator = indicator, where: Q = where) -> Any:
                    rows = Result.objects.filter(
                        where, indicator=indicator, month__gte=start, month__lte=last
                    )
                    return rows.aggregate(total=Sum("value"))["total"]

                if engine() != naive():
                    raise CommandError(
                        f"{commune.code} {indicator.code}: engine {engine()} != naive {naive()}"
                    )
                row[f"engine_{level}"] = _timed(engine, runs)
                row[f"naive_{level}"] = _timed(naive, runs)
            found.append(row)
        return found

    def _province_mergers(
        self, client: Client, columns: str, runs: int, last: datetime.date
    ) -> list[dict[str, Any]]:
        """The province dashboard across the reform for the new provinces with the fewest, the
        median and the most old communes merged into their communes."""
        provinces = list(
            Unit.objects.filter(
                code__startswith=national.PREFIX, is_demo=True, level=Level.PROVINCE,
                valid_to__isnull=True,
            ).annotate(
                links=Count(
                    "children__predecessor_links",
                    filter=Q(children__level=Level.COMMUNE, children__valid_from=REFORM),
                )
            )
            .order_by("links", "code")
            .values_list("pk", "name", "links")
        )  # fmt: skip
        if not provinces:
            return []
        chosen = {p[0]: p for p in (provinces[0], provinces[len(provinces) // 2], provinces[-1])}
        found = []
        period, month = RANGES["across"]
        for pk, name, links in chosen.values():
            query = f"?ky={period}&thang={month:%Y-%m}&{columns}"
            url = reverse("indicators:dashboard", args=[pk, PROGRAM]) + query
            found.append({"province": name, "links": links} | _timed(_get(client, url), runs))
        return found

    def _print(self, figures: dict[str, Any], as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(figures, default=str))
            return
        data = figures["dataset"]
        self.stdout.write(
            f"dataset: new map {data['provinces']} provinces, {data['communes']:,} communes; "
            f"old map {data['legacy_provinces']} provinces, {data['legacy_districts']:,} "
            f"districts, {data['legacy_communes']:,} communes; {data['successions']:,} merger "
            f"links; {data['branches']:,} branches; {data['results']:,} results "
            f"({data['results_before_reform']:,} before 2025-07), {data['totals']:,} month "
            f"totals, {data['first']}..{data['last']} (built in {data['build_seconds']} s: "
            f"{data['seconds']})"
        )
        self.stdout.write(f"{'measure':<28} {'p50 ms':>9} {'p95 ms':>9} {'runs':>5}")
        for name, value in figures.items():
            if isinstance(value, dict) and "p50" in value:
                self.stdout.write(
                    f"{name:<28} {value['p50']:>9.1f} {value['p95']:>9.1f} {value['runs']:>5}"
                )
        self.stdout.write("one new commune's flow across the reform, by number of predecessors")
        self.stdout.write(
            f"{'links':>5} {'communes':>8} {'level':<8} {'engine p50':>10} {'p95':>7} "
            f"{'naive p50':>10} {'p95':>7}"
        )
        for row in figures["predecessors"]:
            for level in (Level.COMMUNE, Level.BRANCH):
                if f"engine_{level}" not in row:
                    continue
                engine, naive = row[f"engine_{level}"], row[f"naive_{level}"]
                self.stdout.write(
                    f"{row['links']:>5} {row['communes']:>8} {level:<8} {engine['p50']:>10.1f} "
                    f"{engine['p95']:>7.1f} {naive['p50']:>10.1f} {naive['p95']:>7.1f}"
                )
        self.stdout.write("province dashboard across the reform, by old communes merged in")
        for row in figures["province_mergers"]:
            self.stdout.write(
                f"{row['province']:<28} {row['links']:>5} links {row['p50']:>9.1f} "
                f"{row['p95']:>9.1f} {row['runs']:>5}"
            )
        self.stdout.write(f"aggregate: {figures['aggregate_indicator']}")
        self.stdout.write(f"ratios: {figures['ratios']}")
        self.stdout.write(f"checks: {figures['checks']}")
