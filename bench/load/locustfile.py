"""The deadline day, for Locust (`make load` runs it through bench/load/run.py).

Runs in its own virtualenv (var/locust, bench/load/requirements.txt): Locust brings gevent,
which patches the standard library, and its own pins; it imports nothing of the portal's.
The users are FastHttpUsers (geventhttpclient): the load generator shares the measured machine,
and requests' client cost it about twice the CPU (4% of the machine against 2% at 16 requests/s,
50 users, measured one after the other), taken from the portal.

Users, in the mix officers : reviewers : report users = 17 : 2 : 1, each pausing 2-6 s:
- an officer (account `load.xa.N`, the entry role on one commune) logs in, then month after
  month opens the entry form, autosaves twice, saves every field (one value changed, within
  the form's rules: bench/load/form_values.py) and submits; a month that is already locked is
  skipped;
- a reviewer (`load.tinh.N`, reviewer of a province) opens `/duyet/`, approves what is
  submitted there and reads the province's dashboard;
- a report user (`load.bc.N`, viewer of a province) asks for an Excel report of a commune and
  downloads it when it is done.

Each officer writes the values it saved to LOAD_SAVED_LOG (one JSON line per save that the
portal accepted) so the driver can check afterwards that every saved value is in the totals.
Answers are classed by kind for the tables: a 409 (two officers of one commune, a stale form) is
expected and counted apart, a 503 is load shed (the "busy" page), anything else >= 400 fails.
"""

from __future__ import annotations

import json
import os
import random
import re
import sys
import time
from typing import Any
from urllib.parse import urlencode

from locust import FastHttpUser, between, events, task

# The checkout on sys.path for bench.load.form_values (shared with the tests; it imports nothing
# of the portal's, so Locust's virtualenv runs it).
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from bench.load.form_values import form_fields as _form_fields
from bench.load.form_values import inputs as _inputs
from bench.load.form_values import valid_change

PASSWORD = os.environ.get("LOAD_PASSWORD", "load-password-1")
SAVED_LOG = os.environ.get("LOAD_SAVED_LOG", "")
# Where to write, at the end, how many answers took longer than SLOW_MS, by request name: the
# goal is that no one waits more than a few seconds, which percentiles alone do not show.
SLOW_LOG = os.environ.get("LOAD_SLOW_LOG", "")
SLOW_MS = float(os.environ.get("LOAD_SLOW_MS", "5000"))
OFFICERS = int(os.environ.get("LOAD_OFFICERS", "200"))
REVIEWERS = int(os.environ.get("LOAD_REVIEWERS", "4"))
REPORTERS = int(os.environ.get("LOAD_REPORTERS", "4"))
PROGRAM = os.environ.get("LOAD_PROGRAM", "CTH")
# The months the officers work through, oldest first (the driver sets the open ones).
MONTHS = os.environ.get("LOAD_MONTHS", "2026-01,2026-02,2026-03").split(",")

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
NUMBER = re.compile(r"^\d+$")

_counter = {"xa": 0, "tinh": 0, "bc": 0}


def _next(kind: str, modulo: int) -> int:
    _counter[kind] += 1
    return (_counter[kind] - 1) % modulo + 1


def _csrf(html: str) -> str:
    found = CSRF.search(html)
    return found.group(1) if found else ""


def _record(user: str, url: str, fields: dict[str, str]) -> None:
    if SAVED_LOG:
        with open(SAVED_LOG, "a", encoding="utf-8") as out:
            out.write(json.dumps({"user": user, "url": url, "fields": fields, "at": time.time()}))
            out.write("\n")


_slow: dict[str, int] = {}


@events.request.add_listener
def _count_slow(name: str, response_time: float, **_kwargs: Any) -> None:
    if response_time > SLOW_MS:
        _slow[name] = _slow.get(name, 0) + 1


@events.quitting.add_listener
def _write_slow(**_kwargs: Any) -> None:
    if SLOW_LOG:
        with open(SLOW_LOG, "w", encoding="utf-8") as out:
            json.dump({"over_ms": SLOW_MS, "by_name": _slow}, out)


class PortalUser(FastHttpUser):
    abstract = True
    wait_time = between(2, 6)
    username = ""

    def login(self) -> None:
        """As a person would: on the "busy" page (503), wait as it says and try again."""
        for _attempt in range(10):
            page = self.client.get("/dang-nhap/", name="login page")
            if page.status_code == 503:
                time.sleep(int(page.headers.get("Retry-After", "10")))
                continue
            with self.post(
                "/dang-nhap/",
                {
                    "username": self.username,
                    "password": PASSWORD,
                    "csrfmiddlewaretoken": _csrf(page.text),
                    "next": "/",
                },
                name="login",
                catch_response=True,
            ) as response:
                if response.status_code == 503:
                    response.failure("503 busy (shed)")
                    time.sleep(int(response.headers.get("Retry-After", "10")))
                    continue
                if "/dang-nhap/" in (response.url or "/dang-nhap/"):
                    response.failure("login refused")
                return

    def post(self, url: str, data: dict[str, Any], name: str, **kwargs: Any) -> Any:
        """A form's post as the browser sends it (a list value: the field repeated)."""
        headers = {
            "Referer": self.host + url,
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
        }
        body = urlencode(data, doseq=True)
        return self.client.post(url, body, headers=headers, name=name, **kwargs)


class Officer(PortalUser):
    weight = 17

    def on_start(self) -> None:
        self.number = _next("xa", OFFICERS)
        self.username = f"load.xa.{self.number}"
        self.months = list(MONTHS)
        self.login()
        self.unit: str | None = None
        self.find_unit()

    def find_unit(self) -> None:
        start = self.client.get(f"/nhap-lieu/?program={PROGRAM}", name="entry start")
        found = re.search(r"/nhap-lieu/(\d+)/", start.url or "")
        self.unit = found.group(1) if found else None

    @task
    def month(self) -> None:
        if not self.unit:  # the first page was "busy": ask again
            self.find_unit()
            return
        if not self.months:
            self.wait()
            return
        month = self.months[0]
        url = f"/nhap-lieu/{self.unit}/{PROGRAM}/{month}/"
        page = self.client.get(url, name="entry form")
        fields = _form_fields(page.text)
        values = [k for k in fields if k.split("-", 1)[0] in {"value", "numerator", "denominator"}]
        if page.status_code != 200 or not values or "version" not in fields:
            self.months.pop(0)  # locked (submitted or approved) or nothing to enter: next month
            return
        change = valid_change(fields, page.text)  # within the form's rules: a real save
        if change is not None:
            fields[change[0]] = change[1]
        self.wait()
        self.post(url + "nhap/", fields, name="autosave")
        self.wait()
        self.post(url + "nhap/", fields, name="autosave")
        self.wait()
        with self.post(url, fields | {"action": "save"}, name="save", catch_response=True) as r:
            if r.status_code == 409:
                r.success()  # expected: another officer of the commune saved first
                events.request.fire(
                    request_type="EXPECTED", name="save 409 (stale form)", response_time=0,
                    response_length=0, exception=None, context={},
                )  # fmt: skip
                return
            if r.status_code == 200 and "/dang-nhap/" not in (r.url or "/dang-nhap/"):
                _record(self.username, url, fields)
        self.wait()
        page = self.client.get(url, name="entry form")
        fields = _form_fields(page.text)
        if "version" in fields:
            with self.post(
                url, fields | {"action": "submit"}, name="submit", catch_response=True
            ) as r:
                if r.status_code == 409:
                    r.success()
                    return
                if r.status_code == 200:
                    _record(self.username, url, fields)
                    self.months.pop(0)


class Reviewer(PortalUser):
    weight = 2

    def on_start(self) -> None:
        self.number = _next("tinh", REVIEWERS)
        self.username = f"load.tinh.{self.number}"
        self.login()
        self.find_pages()

    def find_pages(self) -> None:
        start = self.client.get(f"/duyet/?program={PROGRAM}", name="review start")
        self.overview = (start.url or "").split(self.host, 1)[-1] if start.ok else None
        dash = self.client.get(f"/theo-doi/?program={PROGRAM}", name="dashboard start")
        self.dashboard = (dash.url or "").split(self.host, 1)[-1] if dash.ok else None

    @task(2)
    def approve(self) -> None:
        if not self.overview:
            self.find_pages()
            return
        for month in MONTHS:
            url = re.sub(r"/\d{4}-\d{2}/", f"/{month}/", self.overview)
            page = self.client.get(url, name="review overview")
            units = [
                a["value"]
                for a in _inputs(page.text)
                if a.get("name") == "unit" and a.get("type") == "checkbox"
            ]
            if units:
                self.wait()
                self.post(
                    url,
                    {
                        "unit": units[:20],
                        "action": "approve",
                        "csrfmiddlewaretoken": _csrf(page.text),
                    },
                    name="approve",
                )
                return

    @task(1)
    def dashboard_read(self) -> None:
        if self.dashboard:
            self.client.get(self.dashboard, name="dashboard")


class ReportUser(PortalUser):
    weight = 1

    def on_start(self) -> None:
        self.number = _next("bc", REPORTERS)
        self.username = f"load.bc.{self.number}"
        self.login()

    @task
    def report(self) -> None:
        page = self.client.get("/bao-cao/", name="report form")
        units = re.findall(r'<option value="(\d+)"', page.text.split('name="unit"', 1)[-1])
        programs = re.findall(r'<option value="(\d+)"[^>]*>\s*CTH', page.text)
        if not units:
            return
        data = {
            "csrfmiddlewaretoken": _csrf(page.text),
            "program": programs[0] if programs else "",
            "unit": random.choice(units[:30]),
            "start": "2026-01",
            "end": random.choice(MONTHS),
            "format": "xlsx",
        }
        asked = self.post("/bao-cao/", data, name="report ask")
        found = re.search(r"/bao-cao/(\d+)/", asked.url or "")
        if not found:
            return
        job = found.group(1)
        for _ in range(20):
            self.wait()
            status = self.client.get(f"/bao-cao/{job}/trang-thai/", name="report status")
            try:
                state = status.json()
            except ValueError:
                return
            if not state.get("active"):
                if state.get("state") == "done":
                    self.client.get(f"/bao-cao/{job}/tai/xlsx/", name="report download")
                return
