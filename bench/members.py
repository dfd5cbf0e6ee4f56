"""The register at scale: bulk-loads synthetic members and times the queries the pages and the
indicators run (`python manage.py bench_members --members N`, PostgreSQL only).

The load (generated inside PostgreSQL since member-search2, see load_members) goes into a
synthetic province of its own ("Tỉnh Thử Nghiệm Hiệu Năng",
is_demo), 200 members a branch as nationally (20 million members in about 100,000 branches),
10 branches a commune. Times are measured through the same selectors the pages use, with users
assigned to one commune and to the province.

Measured (PostgreSQL 15 on the dev box, 2,000,000 members and memberships, one province of
9,900 branches; loaded in 203 s): search p50/p95 7.7/13.7 ms in a commune's scope and
115/402 ms in the province's; first page of the province's register 5.5 ms; active members
on a day 10.6 ms (commune) and 368 ms (province); new members in a year 132 ms (province);
both figures for each of the province's 990 communes 3.8 s.

At 20 million: a commune's search reads only the commune's members (branch indexes), so it
stays near 10 ms. A province-wide search read the national trigram index, whose bitmaps for
common words ("nguyen", "thi") grow with the whole table, and dropped the other provinces'
matches only after fetching them from the table.

Province column. Members carry their branch's province (migration
0005; set by add, import and move; the backfill of 6 million rows took 11 min, so ~35-40 min
at 20 million), visible_members narrows by it, and one GIN index over (province_id,
name_folded gin_trgm_ops) through btree_gin replaces the national one (0006). Measured with a
second synthetic province of 4,000,000 members around the timed one (`bench_members --members
4000000 --province BENCH2 --seed 99`, then `bench_members --members 0`), 6,000,000 members in
all, the timed province a third of them (dev box shared with other work, ±30%):

    query (ms, p50 / p95)              before (0004)     after (0006)
    search, commune scope                9.3 /   20.2      9.0 /   13.3
    search, province scope             364.8 / 4548.7    280.5 / 2586.5
    active members on a day, province  791.8 /  855.1    476.9 /  533.2 (no index change)

What was left then (since shipped, below): with a 2-million-member province a third of the
table, the planner keeps province_id out of the GIN scan (it filters afterwards), and queries with a
word under 3 letters ("ly", "my", "vy": no trigram) or common names walk the province's
branches. A partial trigram index for the one province (`... USING gin (name_folded
gin_trgm_ops) WHERE province_id = 2`, built in 7 s) gave p50/p95 93/259 ms for names of
3-letter-plus words and 151/421 ms with a short word, against 240/2897 and 381/1126 with the
composite index: one partial index per province (34 after 2025), created with the province,
is the next step if real provinces (0.3-1.5 million members, 1/34 of the table, where the
planner should use the province key) still miss 200 ms. Counts grow with the unit's own
memberships: a real province (under 1 million) stays under ~300 ms; national counts (20
million) would take seconds and want a monthly snapshot per unit.

Per-province name indexes (member-search2, migration 0007, members/search_index.py). Each
province has a partial trigram index and a partial (name_folded, id) index carrying
anonymised_at and branch_id; a province officer's search reads the province column alone (no
join) and asks for the page's ids first, so PostgreSQL picks, per query, the trigram index
(rare names) or an index-only walk of the name order that stops at the 51st match (common
names); a commune officer's search reads the commune's branches (words matched by an
expression no trigram index serves). Database of 20,000,000 members in 34 synthetic provinces,
the timed one holding 2,000,000 (10%, about the largest real province's share), loaded with
`bench_members --members 2000000`, `--members 4000000 --province BENCH02 .. BENCH09` (6
million; 2 and 4 million loaded in 46 s and 124 s) and `--members 14000000 --province BENCH10
.. BENCH34` (796 s: rows 447 s, then every index rebuilt). Times in ms, p50 / p95 of 100
searches, the previous design timed in the same run (its province indexes dropped in a rolled
back transaction); the machine's 2 cores shared with other work, load average 2-6 (±30%):

    final design, same loads in a database of its own, load average 1.5, 2 rounds
    at 2 million (BENCH alone)           51.3 /  127.1       43.2 / 105.0  (commune 3.1 / 4.1)
    at 6 million
    search, commune scope               2.6 /    3.3        2.8-2.9 / 3.8
    search, province scope      138.6-142.1 / 412.4-421.4   42.5-42.7 / 104.3-104.5
    at 6 million, an earlier step (before strpos for names without a 3-letter word), load
    3-6: province 282.7-283.7 / 929.6-1062.8 before, 91.6-103.1 / 216.3-302.9 after: the index
    walks are CPU work and lose their margin when the 2 cores are busy
    at 20 million, 5 rounds (load 1.6-3.0), range of the rounds' p50 / p95
    search, commune scope           2.7-3.0 / 3.4-6.9        3.0-3.8 / 3.9-7.4
    search, province scope      1620-1967 / 2199-2388         44-46 / 103-107

Every one of the 200 first pages is the same as the previous design's (same_rows). The walk's
worst case is the province's whole index once, ~150-170 ms for 2 million members (a name with
no match and no 3-letter word, "ly zz"); a 3-letter word common enough to match a third of the
province next to a word matching nothing ("nguyen qy") reads ~790,000 trigram hits, ~220 ms.
Disk at 20 million: the per-province trigram indexes 594 MB in all (37 MB for 2 million), the
name-order ones 1,179 MB (118 MB); the national trigram index of 0006 (379 MB), kept for the
central union's searches; the member table 2.8 GB, 7.3 GB with its indexes. Building both for
one 2-million province takes ~5 s; each needs a pass over the whole table (~2-3 s at 20
million), also when a new province starts empty.

The figures page (/hoi-vien/so-lieu/, `bench_members --figures`, `make bench-members`). It
counted every membership under the unit (1.6 s for a province at 20 million); it now sums the
branches' monthly counts (members/month_counts.py, kept by the register's services), a few
rows per branch as of two months, and works in months. The live count is timed in the same
run, after checking both give the same rows. At 20,000,000 members and memberships (34
synthetic provinces, 100,000 branches; the timed province 2,000,000 in 10,000 branches;
37,030,330 monthly rows, 3.5 GB with indexes, rebuilt by migration 0009 in 18 min with the
machine's load average 6-23), months January-December 2025, ms p50 / p95, the 2 cores shared
with 7 other engineers' work:

    round 1, load average 5.5-10.7      monthly counts        naive live count
    figures selector, province          81.3 /   116.7      9,044 / 12,350
    figures page GET, province         246.9 /   363.3
    figures selector, centre         2,947.6 / 3,762.8     35,112 / 43,862
    figures page GET, centre         3,219.5 / 3,998.9
    round 2, load average 10.7
    figures selector, province          92.8 /   127.6
    figures page GET, province         246.7 /   342.5
    figures selector, centre         1,741.2 / 2,144.0
    figures page GET, centre         1,300.5 / 1,872.1

Then (members branch, issue 19): where the time went and what changed.
  - The province page's time beyond its selector was the template: 1,000 child rows (the bench
    province has 1,000 communes), each with two date filters, two intcomma and a link, ~140 ms
    (cProfile of the page through the test client). The rows are now written by one template
    tag in Python (members/templatetags/register_figures.py), ~12 ms, the same HTML.
  - The selector's three scans read one heap page per branch and month (EXPLAIN: 19,000 page
    reads for the province). The two indexes now include (branch_id, joined_total, active):
    index-only scans (migration 0010).
  - The centre summed 100,000 branches' rows through a join to the units and split_part on
    their paths; its children are the provinces, which every row names, so its rows are summed
    by province_id, then kept to the union's children.
At 2,000,000 members (database of its own, one province of 10,000 branches, 3.7 million monthly
rows), `make bench-members MEMBERS_BENCH_ARGS="--figures --rounds 3"`, the previous code (0009)
then this one (0010) back to back, load average 2.2-2.7, ms p50 / p95, range of the 3 rounds
(the live count gave the same rows in both runs):

                                         before                      after
    figures selector, province        39-43 / 43-49             18-19 / 19-20
    figures page GET, province       111-122 / 182-195          35 / 37-41
    figures selector, centre          31-32 / 34-36              4.4-4.5 / 4.7-5.3
    figures page GET, centre          42-44 / 47-50              12 / 12-14

The centre at 100,000 branches, simulated in the same database: 9 more synthetic provinces of
10,000 branches whose monthly rows copy the timed province's from 2023 (3.2 million rows, no
members), the previous code then this one, 20 runs each, load average 5.0-6.7:

    figures selector, centre        731 /   976                 43 /  50
    figures page GET, centre        957 / 1,091                 67 /  77
    figures page GET, province      238 /   407                 76 /  91

The old and new queries gave the same figures there for the centre, a simulated and the timed
province, two communes and two branches, over five month ranges (1990-2030 included).
Writes: the covering indexes make each monthly row's update write wider index entries; a
member added with a 1995 join date (372 rows updated) took ~7-11 ms against ~7 ms, one joined
last month ~2 ms either way (20 each, rolled back, load 6). Not yet timed at 20 million (the
database for it was not ready): there the previous design read the heap from disk, so the gain
should be larger; migration 0010 there rebuilds the month index over 37 million rows.
"""

from __future__ import annotations

import datetime
import functools
import random
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models.functions import Lower
from django.urls import reverse

from accounts.models import Role, User
from accounts.selectors import assignments_of
from accounts.services import assign
from common.periods import month_end
from members import month_counts, search_index, selectors, synthetic
from members.models import BranchMonthCount, Level, Member, Membership, Unit
from members.selectors import MemberFilter
from members.services import get_or_create_central, insert_units
from members.text import fold

BENCH_PROVINCE = "Tỉnh Thử Nghiệm Hiệu Năng"
BENCH_CODE = "BENCH"
MEMBERS_PER_BRANCH = 200
BRANCHES_PER_COMMUNE = 10
COPY_COLUMNS = (
    "full_name, name_folded, birth_year, ethnicity, religion, phone, branch_id, province_id, "
    "joined_on, status, status_on, household, has_disability, is_business_owner, created_at, "
    "updated_at"
)


@dataclass
class Timing:
    label: str
    samples_ms: list[float] = field(default_factory=list)

    @property
    def p50(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples_ms)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def bench_tree(members: int, code: str = BENCH_CODE) -> tuple[Unit, list[Unit]]:
    """The bench province with enough communes and branches for `members` (reused if there).
    Another `code` makes another synthetic province: its members are the rest of the country,
    so the timed province (BENCH_CODE) is a share of the table as a real one is of 20 million."""
    central = get_or_create_central()
    province = Unit.objects.filter(parent=central, code=code).first()
    if province is None:
        name = BENCH_PROVINCE if code == BENCH_CODE else f"{BENCH_PROVINCE} {code}"
        province = insert_units(
            [Unit(level=Level.PROVINCE, parent=central, code=code, name=name, is_demo=True)]
        )[0]
    wanted = max(1, members // MEMBERS_PER_BRANCH)
    branches = list(Unit.objects.filter(parent__parent=province, level=Level.BRANCH))
    if len(branches) < wanted:
        communes_needed = -(-(wanted - len(branches)) // BRANCHES_PER_COMMUNE)
        start = Unit.objects.filter(parent=province).count()
        communes = insert_units(
            [
                Unit(level=Level.COMMUNE, parent=province, code=f"B{start + i:06d}",
                     name=f"Xã Thử Nghiệm {start + i + 1}", is_demo=True)
                for i in range(communes_needed)
            ]
        )  # fmt: skip
        branches += insert_units(
            [
                Unit(level=Level.BRANCH, parent=c, code=f"{c.code}-CH{n:02d}",
                     name=f"Chi hội Thôn {n}", is_demo=True)
                for c in communes
                for n in range(1, BRANCHES_PER_COMMUNE + 1)
            ]
        )  # fmt: skip
    return province, branches


def _bounds(pairs: list[tuple[str, float]]) -> list[float]:
    """Lower bounds of each value's share of [0, 1), for width_bucket(random(), bounds)."""
    total, start, out = sum(w for _, w in pairs), 0.0, []
    for _value, weight in pairs:
        out.append(start / total)
        start += weight
    return out


# Every random draw of a row happens in the inner SELECT (one per generated row); the outer one
# turns the draws into the columns the Python generator (synthetic.py) gives them.
GENERATE_SQL = f"""
INSERT INTO members_member ({COPY_COLUMNS})
SELECT concat_ws(' ', (%(family)s::text[])[f], (%(middle)s::text[])[m], (%(given)s::text[])[g2],
                 (%(given)s::text[])[g1]),
       concat_ws(' ', (%(family_f)s::text[])[f], (%(middle_f)s::text[])[m],
                 (%(given_f)s::text[])[g2], (%(given_f)s::text[])[g1]),
       birth_year,
       CASE WHEN minority THEN lpad((2 + minority_pick)::text, 2, '0') ELSE '01' END, '', '',
       (%(branches)s::int[])[b], (%(provinces)s::int[])[b], joined,
       CASE WHEN st < 0.03 THEN 'left' WHEN st < 0.05 THEN 'moved'
            WHEN st < 0.06 THEN 'deceased' ELSE 'active' END,
       CASE WHEN st >= 0.06 THEN joined ELSE LEAST(%(last)s::date, joined + later) END,
       CASE WHEN hh < 0.04 THEN 'poor' WHEN hh < 0.09 THEN 'near_poor' ELSE '' END,
       disability, business, now(), now()
FROM (
    SELECT width_bucket(random(), %(family_bounds)s::float8[]) AS f,
           width_bucket(random(), %(middle_bounds)s::float8[]) AS m,
           1 + floor(random() * %(given_count)s)::int AS g1,
           CASE WHEN random() < {synthetic.SECOND_SYLLABLE_SHARE}
                THEN 1 + floor(random() * %(given_count)s)::int END AS g2,
           1 + floor(random() * %(branch_count)s)::int AS b,
           1950 + floor(random() * 57)::int AS birth_year,
           random() < 0.15 AS minority, floor(random() * 11)::int AS minority_pick,
           %(first)s::date + floor(random() * %(days)s)::int AS joined,
           30 + floor(random() * 2970)::int AS later,
           random() AS st, random() AS hh,
           random() < 0.03 AS disability, random() < 0.05 AS business
    FROM generate_series(1, %(count)s)
) AS draws
"""


MEMBERSHIPS_SQL = (
    "INSERT INTO members_membership "
    "(member_id, branch_id, started_on, joined, ended_on, end_reason) "
    "SELECT id, branch_id, joined_on, true, "
    "CASE WHEN status = 'active' THEN NULL ELSE status_on END, "
    "CASE WHEN status = 'active' THEN '' ELSE status END "
    "FROM members_member WHERE id > %s"
)
BULK_TABLES = ("members_member", "members_membership")


@contextmanager
def indexes_dropped(log: Callable[[str], None]) -> Iterator[None]:
    """Drops the secondary indexes of the member tables for a bulk load and builds them again
    afterwards (one sorted build is many times faster than 20 million index insertions),
    logging each build's time. Primary keys stay (the memberships insert reads ids)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "JOIN pg_index x ON x.indexrelid = (quote_ident(i.indexname))::regclass "
            "WHERE i.tablename = ANY(%s) AND NOT x.indisprimary ORDER BY i.indexname",
            [list(BULK_TABLES)],
        )
        definitions = cursor.fetchall()
        for name, _definition in definitions:
            cursor.execute(f'DROP INDEX "{name}"')
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        for name, definition in definitions:
            started = time.perf_counter()
            cursor.execute(definition)
            log(f"index {name} built in {time.perf_counter() - started:.0f} s")
        cursor.execute("RESET maintenance_work_mem")


def load_members(
    count: int, branches: list[Unit], *, seed: int = 2025, log: Callable[[str], None] = print
) -> int:
    """Inserts `count` synthetic members spread over `branches`, then their memberships.

    The rows are generated inside PostgreSQL (one INSERT ... SELECT over generate_series, with
    the name lists of synthetic.py as arrays), not in Python and sent through COPY: 20 million
    rows took the COPY path about an hour on the dev box. Same distributions as synthetic.py;
    setseed makes a load repeatable."""
    before = Member.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    first, last = datetime.date(1995, 1, 1), datetime.date(2025, 12, 31)
    given = synthetic.GIVEN_NAMES
    params: dict[str, Any] = {
        "family": [n for n, _w in synthetic.FAMILY_NAMES],
        "family_f": [fold(n) for n, _w in synthetic.FAMILY_NAMES],
        "family_bounds": _bounds(synthetic.FAMILY_NAMES),
        "middle": [n for n, _w in synthetic.MIDDLE_NAMES],
        "middle_f": [fold(n) for n, _w in synthetic.MIDDLE_NAMES],
        "middle_bounds": _bounds(synthetic.MIDDLE_NAMES),
        "given": given,
        "given_f": [fold(n) for n in given],
        "given_count": len(given),
        "branches": [b.pk for b in branches],
        "provinces": [b.province_pk() for b in branches],
        "branch_count": len(branches),
        "first": first,
        "last": last,
        "days": (last - first).days + 1,
        "count": count,
    }
    with indexes_dropped(log), connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [(seed % 1000) / 1000])
        started = time.perf_counter()
        cursor.execute(GENERATE_SQL, params)
        cursor.execute(MEMBERSHIPS_SQL, [before])
        log(f"rows inserted in {time.perf_counter() - started:.0f} s")
    with connection.cursor() as cursor:
        # VACUUM too: index-only scans (the counts) need the visibility map of a fresh load.
        started = time.perf_counter()
        for table in ("members_unit", *BULK_TABLES):
            cursor.execute(f"VACUUM ANALYZE {table}")
        log(f"vacuum analyze in {time.perf_counter() - started:.0f} s")
    # The rows went in past the register's services: the monthly counts are recomputed.
    started = time.perf_counter()
    rows = month_counts.rebuild()
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {month_counts.TABLE}")
    log(f"monthly counts rebuilt ({rows:,} rows) in {time.perf_counter() - started:.0f} s")
    return count


def bench_user(username: str, unit: Unit) -> User:
    user, _created = User.objects.get_or_create(username=username)
    assign(user, unit, Role.ENTRY)
    return user


def time_calls(label: str, calls: list[Callable[[], object]]) -> Timing:
    timing = Timing(label)
    for call in calls:
        started = time.perf_counter()
        call()
        timing.samples_ms.append((time.perf_counter() - started) * 1000)
    return timing


SEARCHES_PER_SCOPE = 100


def bench_queries(seed: int = 7) -> list[str]:
    """What people type: the full name without diacritics, or the given name and family name."""
    typed = [fold(n) for n in synthetic.names(SEARCHES_PER_SCOPE, random.Random(seed))]
    return [t if i % 2 else f"{t.split()[-1]} {t.split()[0]}" for i, t in enumerate(typed)]


def run_timings(province: Unit, *, seed: int = 7) -> list[Timing]:
    """Name searches (the register's first page) in a commune's and the province's scope, and
    the count queries behind the figures."""
    commune = Unit.objects.filter(parent=province, level=Level.COMMUNE).order_by("pk").first()
    assert commune is not None
    commune_user = bench_user("bench.xa", commune)
    province_user = bench_user("bench.tinh", province)
    queries = bench_queries(seed)

    def page(user: User, text: str) -> Callable[[], object]:
        return lambda: selectors.register_rows(user, MemberFilter(q=text), 0, 51)

    def before(user: User, text: str) -> Callable[[], object]:
        return lambda: previous_page(user, text)

    with without_province_indexes(province):
        previous = [
            time_calls(
                f"search, {scope} scope, previous design (0006)", [before(u, q) for q in queries]
            )
            for scope, u in (("commune", commune_user), ("province", province_user))
        ]
    day = datetime.date(2025, 6, 30)
    year = (datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))
    return [
        *previous,
        time_calls("search, commune scope", [page(commune_user, q) for q in queries]),
        time_calls("search, province scope", [page(province_user, q) for q in queries]),
        time_calls(
            "register first page, province, no filter", [page(province_user, "") for _ in range(10)]
        ),
        time_calls(
            "active members on a day, commune",
            [lambda: selectors.active_members_on(commune, day)] * 10,
        ),
        time_calls(
            "active members on a day, province",
            [lambda: selectors.active_members_on(province, day)] * 5,
        ),
        time_calls(
            "new members in a year, province", [lambda: selectors.new_members(province, *year)] * 5
        ),
        time_calls(
            "figures by child, province (both counts, every commune)",
            [lambda: selectors.register_figures_by_child(province, *year)] * 3,
        ),
        time_calls(
            "active counts by branch, commune officer",
            [lambda: selectors.active_counts_by_branch(commune_user)] * 10,
        ),
    ]


def previous_page(user: User, text: str) -> list[Member]:
    """The register's first page as migration 0006 left it: narrowed by province and by the
    branches of the user's subtrees, the words on name_folded, ordered through lower()."""
    units = [assignment.unit for assignment in assignments_of(user)]
    members = Member.objects.in_provinces(units).in_units(Unit.objects.within_any(units))
    members = selectors.search_by_name(members.named().select_related("branch"), text)
    return list(members.order_by(Lower("name_folded"), "pk")[:51])


@contextmanager
def without_province_indexes(province: Unit) -> Iterator[None]:
    """The previous design's indexes for a while: the province's own name indexes are dropped
    in a transaction that is rolled back (PostgreSQL's DDL is transactional), so the same run
    times both designs on the same data."""
    with transaction.atomic(), connection.cursor() as cursor:
        for name in search_index.index_names(province.pk):
            cursor.execute(f'DROP INDEX "{name}"')
        yield
        transaction.set_rollback(True)


def same_rows(province: Unit, queries: list[str]) -> tuple[int, int]:
    """How many of the queries give the same first page (same members, same order) in the
    new design and the previous one, out of how many, for the bench's two users."""
    users = [User.objects.get(username=name) for name in ("bench.xa", "bench.tinh")]
    new = [
        [m.pk for m in selectors.register_rows(u, MemberFilter(q=q), 0, 51)]
        for u in users
        for q in queries
    ]
    with without_province_indexes(province):
        old = [[m.pk for m in previous_page(u, q)] for u in users for q in queries]
    return sum(a == b for a, b in zip(new, old, strict=True)), len(new)


def table_counts() -> tuple[int, int]:
    return Member.objects.count(), Membership.objects.count()


# --- The figures page (/hoi-vien/so-lieu/) at national scale --------------------------------
#
# The page's figures come from the branches' monthly counts (members/month_counts.py, table
# members_branchmonthcount, kept by the register's services); the naive baseline is the
# previous page's live count of the memberships (selectors.live_register_figures_by_child),
# timed in the same run on the same data.

FIGURE_MONTHS = (datetime.date(2025, 1, 1), datetime.date(2025, 12, 1))


def figures_page_client(user: User) -> Any:
    from django.conf import settings
    from django.test import Client

    settings.ALLOWED_HOSTS = ["*"]
    client = Client()
    client.force_login(user)
    return client


def run_figure_timings(province: Unit, *, runs: int = 20, live_runs: int = 3) -> list[Timing]:
    """The page's selector and the page (test client, template rendered) for the province's
    officer and for the central union, months January-December 2025, against the live count;
    the two must give the same rows (checked once per unit)."""
    central = get_or_create_central()
    province_user = bench_user("bench.tinh", province)
    central_user, _created = User.objects.get_or_create(
        username="bench.trunguong", defaults={"is_superuser": True, "is_staff": True}
    )
    first, last = FIGURE_MONTHS
    url = reverse("members:register_figures")
    timings = []
    for label, unit, user in (
        ("province", province, province_user),
        ("centre", central, central_user),
    ):
        if live_runs:  # the live count takes seconds to minutes: checked in the first round
            kept = selectors.register_figures_by_child(unit, first, last)
            live = selectors.live_register_figures_by_child(unit, first, month_end(last))
            same = [(r.unit.pk, r.new_members, r.active_at_end) for r in kept] == [
                (r.unit.pk, r.new_members, r.active_at_end) for r in live
            ]
            assert same, f"monthly counts differ from the live count for the {label}"
        client = figures_page_client(user)
        params = {"don_vi": unit.pk, "tu": f"{first:%Y-%m}", "den": f"{last:%Y-%m}"}
        assert client.get(url, params).status_code == 200

        def page(client: Any = client, params: dict[str, object] = params) -> None:
            assert client.get(url, params).status_code == 200

        kept_call = functools.partial(selectors.register_figures_by_child, unit, first, last)
        live_call = functools.partial(
            selectors.live_register_figures_by_child, unit, first, month_end(last)
        )
        timings += [
            time_calls(f"figures selector, {label} (monthly counts)", [kept_call] * runs),
            time_calls(f"figures page GET, {label} (monthly counts)", [page] * runs),
        ]
        if live_runs:
            timings.append(
                time_calls(f"figures selector, {label}, naive live count", [live_call] * live_runs)
            )
    return timings


def month_count_rows() -> int:
    return BranchMonthCount.objects.count()
