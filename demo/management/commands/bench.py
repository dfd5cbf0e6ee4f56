"""`manage.py bench`: national-scale figures of the pages that matter, on PostgreSQL.

Builds the synthetic dataset of demo.national in the configured database (it removes an
earlier run's bench data first, and nothing else), then times each request through the whole
Django stack (middleware, view, template) in this process with persistent connections, as
gunicorn serves them. Prints p50/p95 in milliseconds; --json prints one JSON object.
"""

from __future__ import annotations

import datetime
import json
import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Sum
from django.test import Client
from django.urls import reverse

from demo import national
from indicators.cycle import sheet as sheets
from indicators.figures.engine import figure, measure
from indicators.models import Indicator, Result, Rule, Submission
from members.models import Level, Unit
from programs.models import Program

PROGRAM = "CTH"  # the catalogue's program with the most indicators
COLUMNS = 10


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


class Command(BaseCommand):
    help = "Build a national-shaped dataset and time dashboards, the entry form and aggregates."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--communes", type=int, default=3321)
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
        program = Program.objects.get(code=PROGRAM)
        codes = list(
            Indicator.objects.filter(program=program)
            .order_by("position")
            .values_list("code", flat=True)[:COLUMNS]
        )
        province = Unit.objects.filter(level=Level.PROVINCE, code=f"{national.PREFIX}01").get()
        central = Unit.objects.get(level=Level.CENTRAL)
        commune = Unit.objects.get(assignments__user__username="bench.xa")
        query = f"?ky=luy-ke&thang={last:%Y-%m}&" + "&".join(f"chi_tieu={c}" for c in codes)
        timings: dict[str, Any] = {}
        viewer, reviewer, officer = (
            self._client(u) for u in ("bench.tw", "bench.tinh", "bench.xa")
        )
        timings["floor"] = _timed(_get(reviewer, reverse("health")), runs)
        province_url = reverse("indicators:dashboard", args=[province.pk, PROGRAM]) + query
        timings["province_dashboard"] = _timed(_get(reviewer, province_url), runs)
        national_url = reverse("indicators:dashboard", args=[central.pk, PROGRAM]) + query
        timings["national_dashboard"] = _timed(_get(viewer, national_url), max(5, runs // 2))
        form_url = reverse("indicators:entry_form", args=[commune.pk, PROGRAM, f"{last:%Y-%m}"])
        timings["form_load"] = _timed(_get(officer, form_url), runs)
        timings["form_save"], correct = self._saves(
            officer, form_url, commune, province, last, runs
        )
        timings.update(self._aggregates(province, runs))
        timings["checks"] = {"aggregates_correct_after_save": correct}
        timings["ratios"] = {
            "naive_over_engine": round(
                timings["aggregate_naive"]["p50"] / timings["aggregate_engine"]["p50"], 1
            ),
            "province_dashboard_over_floor": round(
                timings["province_dashboard"]["p50"] / timings["floor"]["p50"], 1
            ),
            "national_dashboard_over_floor": round(
                timings["national_dashboard"]["p50"] / timings["floor"]["p50"], 1
            ),
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

    def _aggregates(self, province: Unit, runs: int) -> dict[str, Any]:
        """A province x an indicator x the whole phase: the engine against a plain ORM sum."""
        indicator = (
            Indicator.objects.filter(rule__in=[Rule.SUM, Rule.CUMULATIVE], level=Level.BRANCH)
            .select_related("program")
            .first()
        ) or Indicator.objects.filter(rule=Rule.SUM).select_related("program").first()
        assert indicator is not None
        start = datetime.date(indicator.program.start_year, 1, 1)
        end = datetime.date(indicator.program.end_year, 12, 1)

        def engine() -> Decimal | None:
            return measure(indicator, province, start, end).value

        def with_target() -> Decimal | None:
            return figure(indicator, province, start, end).value

        def naive() -> Decimal | None:
            rows = Result.objects.filter(
                indicator=indicator, unit__path__startswith=province.path,
                month__gte=start, month__lte=end,
            )  # fmt: skip
            return rows.aggregate(total=Sum("value"))["total"]

        if engine() != naive():
            raise CommandError(f"engine {engine()} != naive {naive()} for {indicator.code}")
        return {
            "aggregate_indicator": f"{indicator.code} ({indicator.level}, {indicator.rule})",
            "aggregate_engine": _timed(engine, runs),
            "aggregate_naive": _timed(naive, runs),
            "aggregate_with_target": _timed(with_target, runs),
        }

    def _print(self, figures: dict[str, Any], as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(figures, default=str))
            return
        data = figures["dataset"]
        self.stdout.write(
            f"dataset: {data['provinces']} provinces, {data['communes']:,} communes, "
            f"{data['branches']:,} branches, {data['results']:,} results, "
            f"{data['totals']:,} month totals, {data['first']}..{data['last']} "
            f"(built in {data['build_seconds']} s)"
        )
        self.stdout.write(f"{'measure':<28} {'p50 ms':>9} {'p95 ms':>9} {'runs':>5}")
        for name, value in figures.items():
            if isinstance(value, dict) and "p50" in value:
                self.stdout.write(
                    f"{name:<28} {value['p50']:>9.1f} {value['p95']:>9.1f} {value['runs']:>5}"
                )
        self.stdout.write(f"aggregate: {figures['aggregate_indicator']}")
        self.stdout.write(f"ratios: {figures['ratios']}")
        self.stdout.write(f"checks: {figures['checks']}")
