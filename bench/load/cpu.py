"""Where the CPU goes per request of the deadline day (`make load-profile`, on demand).

On the load database of bench/load/run.py (made by `make load` first), through Django's test
client with the production middleware: for the login, the entry form (load, save, autosave),
the review overview and the dashboard, the time per request (median of --runs) and the CPU
time of this process in it (the portal's own Python, without PostgreSQL's side: steadier than
the wall time on a shared machine), the number of queries, and cProfile's heaviest functions
(cumulative), so that the cost of queries, template rendering, middleware, sessions and the
password hasher can be told apart.

    .venv/bin/python bench/load/cpu.py [--runs 10] [--top 25] [--only NAME] [--officer load.xa.N]

PROFILE_SORT=tottime sorts the profile by each function's own time instead of the cumulative;
PROFILE_CLOCK=cpu times it by CPU instead of the wall clock (the waits for PostgreSQL left out).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.load.form_values import form_fields, valid_change  # noqa: E402
from bench.load.run import MONTHS, PASSWORD, PROGRAM, database_url  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--only", default="")
    parser.add_argument("--sql", action="store_true", help="print each request's queries")
    # Another officer's commune, so that two runs at once do not save over each other (409).
    parser.add_argument("--officer", default="load.xa.1")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = database_url()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ.setdefault("CONN_MAX_AGE", "60")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False

    # Clients kept: each new test client builds the middleware again (whitenoise scans the
    # static files), which a gunicorn worker does once.
    officer, reviewer, viewer, anonymous = Client(), Client(), Client(), Client()
    month = MONTHS[-1]

    def login(client: Client, username: str) -> Callable[[], object]:
        def run() -> object:
            client.logout()
            return client.post("/dang-nhap/", {"username": username, "password": PASSWORD})

        return run

    login(officer, args.officer)()
    login(reviewer, "load.tinh.1")()
    login(viewer, "load.bc.1")()
    form = officer.get(f"/nhap-lieu/?program={PROGRAM}&month={month}")["Location"]
    html = officer.get(form).content.decode()
    fields = form_fields(html)  # what the browser posts: hidden inputs and the grid's text inputs
    overview = reviewer.get(f"/duyet/?program={PROGRAM}&month={month}")["Location"]
    dashboard = reviewer.get(f"/theo-doi/?program={PROGRAM}")["Location"]

    def change() -> tuple[str, str]:
        """A new value for one field within the form's rules (as the Locust officer types)."""
        for _ in range(5):  # a new value, so that the save writes (valid_change may keep it)
            found = valid_change(fields, html)
            if found is None or fields[found[0]] != found[1]:
                break
        if found is None:
            raise SystemExit(f"entry save: no field of {form} can change within the rules")
        return found

    typed: list[tuple[str, str]] = []  # the change the next post makes, chosen untimed

    def post(action: str) -> object:
        """The form posted with one value changed; a refused post stops the bench."""
        name, value = typed.pop() if typed else change()
        response = officer.post(form, fields | {name: value, "action": action})
        if response.status_code != 302:
            raise SystemExit(f"entry {action}: {response.status_code} instead of a redirect")
        return response

    def reload() -> None:
        """The form again, as the redirect shows it (its version, its values)."""
        nonlocal html
        html = officer.get(form).content.decode()
        fields.update(form_fields(html))

    def retype() -> None:
        """Before a timed post: the form again and the change the post will make."""
        reload()
        typed[:] = [change()]

    def save() -> object:
        """A real save, then the form again, as the redirect shows it."""
        response = post("save")
        reload()
        return response

    def reopen() -> None:
        """The submitted month open again, straight in the database (not timed), then the form
        as the officer sees it, so that the next submit is a real one."""
        from indicators.models import Submission, SubmissionState

        Submission.objects.filter(
            unit_id=form.split("/")[2], program__code=PROGRAM, month=f"{month}-01"
        ).update(state=SubmissionState.DRAFT)
        retype()

    # name, the request timed, and what runs untimed before each (the state it needs)
    cases: list[tuple[str, Callable[[], object], Callable[[], None] | None]] = [
        ("login (POST)", login(anonymous, "load.xa.2"), None),
        ("entry form (GET)", lambda: officer.get(form), None),
        ("entry save (POST) + GET", save, None),
        ("entry save (POST)", lambda: post("save"), retype),
        ("submit (POST)", lambda: post("submit"), reopen),
        ("autosave (POST)", lambda: officer.post(form + "nhap/", fields), None),
        ("review overview (GET)", lambda: reviewer.get(overview), None),
        ("dashboard (GET)", lambda: reviewer.get(dashboard), None),
        ("home after login (GET)", lambda: officer.get("/"), None),
        ("home of a reviewer (GET)", lambda: reviewer.get("/"), None),
        ("home of a viewer (GET)", lambda: viewer.get("/"), None),
        # The menu's "Nhập liệu": picks the officer's commune and month, redirects to the form.
        (
            "entry start redirect (GET)",
            lambda: officer.get(f"/nhap-lieu/?program={PROGRAM}"),
            None,
        ),
        ("floor: login page (GET)", lambda: anonymous.get("/dang-nhap/"), None),
    ]
    print(f"hasher: {settings.PASSWORD_HASHERS[0]}; sessions: {settings.SESSION_ENGINE}")
    exact = any(name == args.only for name, _fn, _prepare in cases)
    for name, fn, prepare in cases:
        if args.only and (name != args.only if exact else args.only not in name):
            continue
        before = prepare or (lambda: None)
        before()
        fn()  # warm
        queries: list[str] = []

        def count(
            execute: Callable, sql: str, *rest: object, queries: list[str] = queries
        ) -> object:
            queries.append(sql)
            return execute(sql, *rest)

        before()
        with connection.execute_wrapper(count):
            fn()
        samples, cpu = [], []
        for _ in range(args.runs):
            before()
            started, started_cpu = time.perf_counter(), time.process_time()
            fn()
            samples.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        # PROFILE_CLOCK=cpu: each function's CPU time rather than its wall time (waits left out)
        clock = time.process_time if os.environ.get("PROFILE_CLOCK") == "cpu" else time.perf_counter
        profiler = cProfile.Profile(clock)
        for _ in range(max(1, args.runs // 2)):
            before()
            profiler.enable()
            fn()
            profiler.disable()
        if prepare is reopen:  # the month left open for the next run's save
            reopen()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(
            os.environ.get("PROFILE_SORT", "cumulative")
        ).print_stats(args.top)
        print(
            f"\n=== {name}: median {statistics.median(samples):.1f} ms "
            f"(this process's CPU {statistics.median(cpu):.1f} ms), {len(queries)} queries"
        )
        if args.sql:
            for sql in queries:
                print("   SQL", sql[:230].replace("\n", " "))
        body = out.getvalue().split("ncalls", 1)[-1]
        print("ncalls" + "\n".join(line[:160] for line in body.splitlines()))


if __name__ == "__main__":
    main()
