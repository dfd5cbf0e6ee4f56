"""The deadline day under load (`make load`): Locust against gunicorn + PostgreSQL + Redis + one
Celery worker on this machine, stage by stage, then the same with a web worker and the Celery
worker killed mid-run. On demand only, never in `make test`.

    .venv/bin/python bench/load/run.py [--stages 50,150,300] [--seconds 90] [--code DIR]
                                       [--gunicorn-args "..."] [--no-faults] [--label NAME]
                                       [--venv DIR]

- Data: the demo (4 provinces, about 215 communes) in a database of its own, `hoilhpn_load`,
  on the checkout's PostgreSQL (config.localservices), loaded on first use. On top of it the
  load accounts: `load.xa.N` (entry role, one per commune, round robin), `load.tinh.N`
  (reviewer of a province), `load.bc.N` (viewer of a province), all with the password
  LOAD_PASSWORD hashed by the production hasher. Before each run the load months' submissions
  and drafts are removed, so every run starts from the same open months.
- Servers: a Redis of its own (a Unix socket in var/load/redis), one Celery worker
  (concurrency 1, niced as docker-compose weighs it), Celery beat (its sweep retakes a dead
  worker's jobs) and gunicorn on 127.0.0.1:LOAD_PORT with the production settings, run from
  `--code` (default: this checkout; give an export of main to measure the baseline) with its
  own gunicorn configuration (`config/gunicorn.py` of that code, plus --gunicorn-args).
- Interpreter: gunicorn, Celery and beat run from the virtualenv --venv (default .venv), so that
  two interpreters can be compared on the same code and data; the first lines say which.
- Locust runs headless from its own virtualenv (var/locust), one process per stage, with --csv
  under var/load/<label>/; the table per stage is printed from those files.
- Faults (unless --no-faults): a stage at the middle size during which a gunicorn worker and
  the Celery worker are killed (SIGKILL) a third of the way in; Celery is started again 5 s
  later (as a supervisor would). Printed: failures by kind, how long the portal took to answer
  again, how long until a report asked after the kill was done, reports left unfinished.
- After all: every sum indicator's province total (engine) against a direct SQL sum of the
  communes' results, and each officer's last accepted save against the stored values.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
VAR = ROOT / "var" / "load"
LOCUST = ROOT / "var" / "locust" / "bin" / "locust"
PORT = int(os.environ.get("LOAD_PORT", "18019"))
PASSWORD = os.environ.get("LOAD_PASSWORD", "load-password-1")
PROGRAM = "CTH"
MONTHS = ["2026-08", "2026-09", "2026-10", "2026-11"]
DATABASE = "hoilhpn_load"


def database_url() -> str:
    from config import localservices

    base = localservices.database_url()
    return base.rsplit("/", 1)[0] + "/" + DATABASE


def ensure_database(url: str) -> None:
    import psycopg

    server, name = url.rsplit("/", 1)
    with psycopg.connect(server + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname=%s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def prepare(officers: int, hasher: str) -> dict[str, int]:
    """The demo, the load accounts and the load months opened again. Returns the counts."""
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    from accounts.models import Role, User
    from accounts.services import assign
    from demo.services import load_demo
    from indicators.models import EntryDraft, Result, Submission
    from members.models import Level, Unit
    from programs.models import Program

    call_command("migrate", verbosity=0)
    if not Result.objects.exists():
        started = time.perf_counter()
        load_demo()
        print(f"demo loaded in {time.perf_counter() - started:.0f} s", flush=True)
    today = datetime.date.today()
    provinces = list(Unit.objects.filter(level=Level.PROVINCE).valid_on(today).order_by("path"))
    communes = list(
        Unit.objects.filter(level=Level.COMMUNE, parent__in=provinces)
        .valid_on(today)
        .order_by("path")
    )
    # One hash for every load account, by the measured code's hasher (its first one, or as
    # given: the baseline's PBKDF2 for main's code).
    encoded = make_password(PASSWORD, hasher=hasher or "default")
    plan = [(f"load.xa.{n + 1}", Role.ENTRY, communes[n % len(communes)]) for n in range(officers)]
    plan += [(f"load.tinh.{n + 1}", Role.REVIEWER, p) for n, p in enumerate(provinces)]
    plan += [(f"load.bc.{n + 1}", Role.VIEWER, p) for n, p in enumerate(provinces)]
    existing = set(
        User.objects.filter(username__startswith="load.").values_list("username", flat=True)
    )
    for username, role, unit in plan:
        if username not in existing:
            user = User.objects.create(username=username, password=encoded)
            assign(user, unit, role)
    User.objects.filter(username__startswith="load.").update(password=encoded)
    program = Program.objects.get(code=PROGRAM)
    months = [datetime.date.fromisoformat(m + "-01") for m in MONTHS]
    Submission.objects.filter(program=program, month__in=months).delete()
    EntryDraft.objects.filter(program=program, month__in=months).delete()
    return {"officers": officers, "communes": len(communes), "provinces": len(provinces)}


class Servers:
    """Redis, one Celery worker, Celery beat and gunicorn, all started and stopped here, as
    docker-compose.yml runs them (beat sends the sweep that retakes a dead worker's jobs)."""

    def __init__(self, code: Path, gunicorn_args: list[str], label: str, venv: Path) -> None:
        self.code = code
        self.bin = venv / "bin"
        self.gunicorn_args = gunicorn_args
        self.dir = VAR / label
        self.redis_dir = VAR / "redis"
        self.socket = self.redis_dir / "redis.sock"
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        media = VAR / "media"
        media.mkdir(parents=True, exist_ok=True)
        self.env = os.environ | {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DATABASE_URL": database_url(),
            "REDIS_URL": f"redis+socket://{self.socket}",
            "SECRET_KEY": "load-test-only-" + "x" * 40,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DEBUG": "0",
            "CONN_MAX_AGE": "60",
            "MEDIA_ROOT": str(media),
            "PYTHONPATH": str(code),
            "LOG_LEVEL": "WARNING",
            # Every virtual user comes from 127.0.0.1: django-axes would lock the address out
            # for everyone after a few failed logins.
            "AXES_FAILURE_LIMIT": "1000000",
        }

    def _log(self, name: str) -> int:
        self.dir.mkdir(parents=True, exist_ok=True)
        return os.open(self.dir / f"{name}.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    def start(self) -> None:
        self.redis_dir.mkdir(parents=True, exist_ok=True)
        self.procs["redis"] = subprocess.Popen(
            [
                shutil.which("redis-server") or "/usr/bin/redis-server", "--port", "0",
                "--unixsocket", str(self.socket), "--unixsocketperm", "700",
                "--dir", str(self.redis_dir), "--save", "", "--appendonly", "no",
            ],
            stdout=self._log("redis"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        python = self.bin / "python"
        subprocess.run(
            [python, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=self.code, env=self.env, check=True,
        )  # fmt: skip
        self.start_celery()
        self.procs["beat"] = subprocess.Popen(
            [
                "nice", "-n", "10", self.bin / "celery", "-A", "config", "beat",
                "-l", "warning", "-s", str(self.dir / "celerybeat-schedule"),
            ],
            cwd=self.code, env=self.env, stdout=self._log("beat"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.procs["gunicorn"] = subprocess.Popen(
            [
                self.bin / "gunicorn", "config.wsgi:application",
                "--bind", f"127.0.0.1:{PORT}", *self.gunicorn_args,
            ],
            cwd=self.code, env=self.env, stdout=self._log("gunicorn"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if answers("/dang-nhap/"):
                return
            time.sleep(0.5)
        raise SystemExit(f"gunicorn did not answer; see {self.dir}/gunicorn.log")

    def start_celery(self) -> None:
        self.procs["celery"] = subprocess.Popen(
            [
                # At a lower priority than the web, as docker-compose.yml weighs it (cpu_shares).
                "nice", "-n", "10",
                self.bin / "celery", "-A", "config", "worker", "-c", "1",
                "-l", "warning", "-n", f"load-{os.getpid()}@%h",
            ],
            cwd=self.code, env=self.env, stdout=self._log("celery"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def web_workers(self) -> list[int]:
        master = self.procs["gunicorn"].pid
        out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True)
        return [int(p) for p in out.stdout.split()]

    def kill_celery(self) -> None:
        proc = self.procs["celery"]
        os.killpg(proc.pid, signal.SIGKILL)  # the worker and its pool child, as an OOM kill
        proc.wait()

    def stop(self) -> None:
        for name in ("gunicorn", "beat", "celery", "redis"):
            proc = self.procs.get(name)
            if proc is None or proc.poll() is not None:
                continue
            if name == "celery":
                os.killpg(proc.pid, signal.SIGTERM)
            else:
                proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def answers(path: str, timeout: float = 5) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{PORT}{path}", timeout=timeout) as r:
            return r.status == 200
    except Exception:
        return False


def locust(users: int, seconds: int, prefix: Path, saved_log: Path, officers: int) -> None:
    env = os.environ | {
        "LOAD_PASSWORD": PASSWORD,
        "LOAD_SAVED_LOG": str(saved_log),
        "LOAD_OFFICERS": str(officers),
        "LOAD_REVIEWERS": "4",
        "LOAD_REPORTERS": "4",
        "LOAD_PROGRAM": PROGRAM,
        "LOAD_MONTHS": ",".join(MONTHS),
        "LOAD_SLOW_LOG": f"{prefix}_slow.json",
    }
    spawn = max(2, users // 30)
    # Locust is not the measured server: it runs niced so that it disturbs it less.
    subprocess.run(
        [
            "nice", "-n", "10", LOCUST, "-f", ROOT / "bench" / "load" / "locustfile.py",
            "--headless", "--host", f"http://127.0.0.1:{PORT}", "-u", str(users),
            "-r", str(spawn), "-t", f"{seconds}s", "--csv", str(prefix), "--only-summary",
            "--stop-timeout", "10", "--loglevel", "WARNING",
        ],
        env=env, check=False, stdout=subprocess.DEVNULL,
    )  # fmt: skip


PROCESS_KINDS = ("gunicorn", "locust", "celery", "postgres", "redis")
REAPING_KINDS = ("gunicorn", "celery", "postgres")


def cpu_seconds_by_kind() -> dict[str, float]:
    """CPU seconds used so far by the processes of each kind (by their command line), read from
    /proc (Linux), with the time of their children that ended (PostgreSQL's backends, gunicorn's
    killed workers); Locust's, which runs as this process's child, is this process's children's
    time. Where the machine's CPU went during a stage, the load generator included."""
    tick = os.sysconf("SC_CLK_TCK")
    found: dict[str, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        kind = next((k for k in PROCESS_KINDS if k in command), "other")
        # utime, stime, and for the servers cutime, cstime (a shell's would count whatever it ran)
        used = sum(int(f) for f in fields[11 : 15 if kind in REAPING_KINDS else 13])
        found[kind] = found.get(kind, 0.0) + used / tick
    ended = resource.getrusage(resource.RUSAGE_CHILDREN)
    found["locust"] = found.get("locust", 0.0) + ended.ru_utime + ended.ru_stime
    return found


def cpu_line(before: dict[str, float], after: dict[str, float], seconds: float) -> str:
    """Each kind's share of the machine's cores over the stage, e.g. gunicorn 61%."""
    cores = os.cpu_count() or 1
    used = {k: after.get(k, 0.0) - before.get(k, 0.0) for k in after}
    shares = [
        f"{kind} {100 * used[kind] / (seconds * cores):.0f}%"
        for kind in sorted(used, key=lambda k: -used[k])
        if used[kind] > 0.01 * seconds
    ]
    return f"  CPU of the machine ({cores} cores) over the stage: " + ", ".join(shares)


def table(prefix: Path, users: int) -> list[str]:
    """requests/s, p50/p95/p99, answers shed (503, the "busy" page) apart from other failures,
    and how many answers took more than 5 s, from Locust's CSV files."""
    with open(f"{prefix}_stats.csv", encoding="utf-8") as stats:
        rows = list(csv.DictReader(stats))
    with open(f"{prefix}_failures.csv", encoding="utf-8") as found:
        failures = list(csv.DictReader(found))
    shed: dict[str, int] = {}
    for row in failures:
        if "503" in row["Error"]:
            shed[row["Name"]] = shed.get(row["Name"], 0) + int(row["Occurrences"])
    shed["Aggregated"] = sum(shed.values())
    lines = [f"--- {users} users ---"]
    lines.append(
        f"{'request':<22}{'count':>7}{'req/s':>8}{'p50':>7}{'p95':>7}{'p99':>7}{'max':>8}"
        f"{'shed':>6}{'fail':>6}"
    )
    for row in rows:
        name = row["Name"] if row["Name"] != "Aggregated" else "ALL"
        busy = shed.get(row["Name"], 0)
        lines.append(
            f"{name[:21]:<22}{row['Request Count']:>7}{float(row['Requests/s']):>8.1f}"
            f"{row['50%']:>7}{row['95%']:>7}{row['99%']:>7}{float(row['Max Response Time']):>8.0f}"
            f"{busy:>6}{int(row['Failure Count']) - busy:>6}"
        )
    for row in failures:
        lines.append(f"  failure: {row['Name']}: {row['Error'][:90]} x{row['Occurrences']}")
    if not failures:
        lines.append("  failures: none")
    lines.append(slow_line(Path(f"{prefix}_slow.json")))
    return lines


def slow_line(path: Path) -> str:
    if not path.exists():
        return "  answers over 5 s: not recorded"
    slow = json.loads(path.read_text(encoding="utf-8"))
    by_name = sorted(slow["by_name"].items(), key=lambda item: -item[1])
    detail = ", ".join(f"{name} {n}" for name, n in by_name)
    total = sum(n for _name, n in by_name)
    return f"  answers over {slow['over_ms'] / 1000:.0f} s: {total}" + (
        f" ({detail})" if detail else ""
    )


def faults(
    servers: Servers, users: int, seconds: int, label_dir: Path, saved: Path, officers: int
) -> list[str]:
    """The middle stage again, a gunicorn worker and the Celery worker killed a third in."""
    import threading

    prefix = label_dir / f"faults_{users}"
    events: dict[str, float] = {}

    def inject() -> None:
        time.sleep(seconds / 3)
        workers = servers.web_workers()
        events["killed"] = time.time()
        if workers:
            os.kill(workers[0], signal.SIGKILL)
        servers.kill_celery()
        time.sleep(5)
        servers.start_celery()
        events["celery_started"] = time.time()
        # The portal answers again: a fresh page from a worker.
        while not answers("/dang-nhap/", timeout=2):
            time.sleep(0.2)
        events["web_back"] = time.time()
        back = set(servers.web_workers())
        while len(back) < len(workers):
            time.sleep(0.2)
            back = set(servers.web_workers())
        events["workers_back"] = time.time()

    thread = threading.Thread(target=inject, daemon=True)
    thread.start()
    locust(users, seconds, prefix, saved, officers)
    thread.join(timeout=60)
    lines = table(prefix, users)
    lines[0] = (
        f"--- {users} users, a gunicorn worker and the Celery worker killed at {seconds // 3} s ---"
    )
    if "killed" in events:
        lines.append(
            f"  portal answering again after {events['web_back'] - events['killed']:.1f} s; "
            "gunicorn back to full strength after "
            f"{events['workers_back'] - events['killed']:.1f} s"
        )
    lines += report_recovery(events.get("killed", time.time()))
    return lines


def report_recovery(killed_at: float) -> list[str]:
    """Report jobs created before the kill and still not done; the first done after it."""
    from django.db import connection

    time.sleep(20)  # the restarted worker works through its queue
    with connection.cursor() as cur:
        cur.execute("SELECT state, count(*) FROM reports_reportjob GROUP BY state ORDER BY state")
        states = ", ".join(f"{s}: {n}" for s, n in cur.fetchall())
        cur.execute(
            "SELECT min(finished_at) FROM reports_reportjob"
            " WHERE state = 'done' AND finished_at > to_timestamp(%s)",
            [killed_at + 5],
        )
        first = cur.fetchone()[0]
    lines = [f"  report jobs 20 s after the run: {states}"]
    if first:
        lines.append(
            f"  first report done after the kill: {first.timestamp() - killed_at:.1f} s after it"
        )
    return lines


def _number(text: str) -> Decimal:
    """A value as the form shows it, the Vietnamese way: 2.238 or 70,5."""
    return Decimal(text.strip().replace(".", "").replace(",", "."))


def check_totals(saved: Path) -> list[str]:
    """Every sum indicator's province total against a direct SQL sum; every officer's last
    accepted save against the stored values."""
    from django.db import connection

    from indicators.figures import engine
    from indicators.models import Indicator, Result
    from members.models import Level, Unit

    first = datetime.date.fromisoformat(MONTHS[0] + "-01")
    last = datetime.date.fromisoformat(MONTHS[-1] + "-01")
    lines, bad = [], 0
    checked = 0
    provinces = Unit.objects.filter(level=Level.PROVINCE).valid_on(last)
    indicators = Indicator.objects.filter(program__code=PROGRAM, rule="sum").select_related(
        "program", "source"
    )
    for province in provinces:
        for indicator in indicators:
            figure = engine.figure(indicator, province, first, last).value or 0
            with connection.cursor() as cur:
                cur.execute(
                    "SELECT coalesce(sum(r.value), 0) FROM indicators_result r"
                    " JOIN members_unit u ON u.id = r.unit_id"
                    " WHERE r.indicator_id = %s AND r.month BETWEEN %s AND %s"
                    " AND (u.id = %s OR u.path LIKE %s)",
                    [indicator.pk, first, last, province.pk, province.path + "%"],
                )
                direct = cur.fetchone()[0]
            checked += 1
            if figure != direct:
                bad += 1
                lines.append(
                    f"  MISMATCH {province.name} {indicator.code}: engine {figure} SQL {direct}"
                )
    lines.insert(0, f"province totals (engine) = direct SQL sums: {checked - bad}/{checked}")
    last_save: dict[str, dict] = {}
    if saved.exists():
        for line in saved.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if record["url"] not in last_save or record["at"] > last_save[record["url"]]["at"]:
                last_save[record["url"]] = record
    missing = 0
    values = 0
    for record in last_save.values():
        month = datetime.date.fromisoformat(record["url"].rstrip("/").rsplit("/", 1)[1] + "-01")
        for name, text in record["fields"].items():
            part, *ids = name.split("-")
            if part != "value" or len(ids) != 2 or not text.strip():
                continue
            values += 1
            stored = (
                Result.objects.filter(unit_id=ids[0], indicator_id=ids[1], month=month)
                .values_list("value", flat=True)
                .first()
            )
            if stored is None or stored != _number(text):
                missing += 1
    lines.append(
        f"officers' last accepted saves: {len(last_save)} forms, {values} values, "
        f"{missing} not stored as saved"
    )
    return lines


def interpreter_of(venv: Path) -> str:
    """The venv's Python version and which of CPython's optimising configure flags it was
    built with (a distribution may optimise by its own rules: then it shows none)."""
    python = venv / "bin" / "python"
    if not python.exists():
        raise SystemExit(f"--venv {venv}: no bin/python there (a virtualenv is needed)")
    ask = (
        "import sys, sysconfig; flags = sysconfig.get_config_var('CONFIG_ARGS') or ''; "
        "found = [f for f in ('--enable-optimizations', '--with-lto') if f in flags]; "
        "print(sys.version.split()[0] + ', built ' + "
        "('with ' + ' '.join(found) if found else 'without --enable-optimizations'))"
    )
    return subprocess.run(
        [python, "-c", ask], capture_output=True, text=True, check=True
    ).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stages", default="50,150,300")
    parser.add_argument("--seconds", type=int, default=90)
    parser.add_argument("--code", type=Path, default=ROOT)
    parser.add_argument("--gunicorn-args", default="--config python:config.gunicorn")
    parser.add_argument("--label", default="current")
    parser.add_argument("--no-faults", action="store_true")
    parser.add_argument("--officers", type=int, default=255)
    parser.add_argument("--hasher", default="", help="e.g. pbkdf2_sha256 for main's code")
    parser.add_argument("--venv", type=Path, default=ROOT / ".venv", help="serves from it")
    args = parser.parse_args()
    if not LOCUST.exists():
        raise SystemExit("Locust is missing: `make load` installs it in var/locust.")
    venv = args.venv.resolve()
    served = interpreter_of(venv)  # before the data: a wrong --venv stops the run at once
    os.environ["DATABASE_URL"] = database_url()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    ensure_database(os.environ["DATABASE_URL"])
    counts = prepare(args.officers, args.hasher)
    label_dir = VAR / args.label
    shutil.rmtree(label_dir, ignore_errors=True)
    label_dir.mkdir(parents=True)
    saved = label_dir / "saved.jsonl"
    servers = Servers(args.code.resolve(), args.gunicorn_args.split(), args.label, venv)
    out = [
        f"# {args.label}: code {args.code}, gunicorn {args.gunicorn_args}",
        f"# served by {venv} (Python {served})",
        f"# data: demo, {counts['communes']} communes, {counts['officers']} officer accounts; "
        f"program {PROGRAM}, months {MONTHS[0]}..{MONTHS[-1]}; {os.cpu_count()} CPUs",
    ]
    try:
        servers.start()
        for users in [int(s) for s in args.stages.split(",")]:
            load = os.getloadavg()
            before, started = cpu_seconds_by_kind(), time.monotonic()
            locust(users, args.seconds, label_dir / f"stage_{users}", saved, args.officers)
            spent = cpu_line(before, cpu_seconds_by_kind(), time.monotonic() - started)
            out += table(label_dir / f"stage_{users}", users)
            out.append(spent)
            out.append(
                f"  load average before the stage: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
            )
            print("\n".join(out[-30:]), flush=True)
        if not args.no_faults:
            stages = [int(s) for s in args.stages.split(",")]
            out += faults(
                servers, stages[len(stages) // 2], args.seconds, label_dir, saved, args.officers
            )
    finally:
        servers.stop()
    out += check_totals(saved)
    text = "\n".join(out)
    (label_dir / "summary.txt").write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
