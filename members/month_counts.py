"""Monthly register figures per branch (BranchMonthCount), kept by the register's writes.

Every service that creates, ends, reopens or moves a membership (members/services.py: add,
import, status change, move, join-date correction) calls `record` with the memberships as
they were before and after the change, inside its own transaction; no signal. The difference
of their contributions is applied to the branch's rows from the event's month on:

  - a membership begun in month S adds 1 to `active` (and to `joined_total` if it began by
    joining the Union) for every month from S on;
  - a membership ended on a day of month E (the first day it no longer counts) takes 1 off
    `active` from E on: the figures are as of each month's last day.

`rebuild` computes the same rows from the memberships in one statement (the migration that
created the table, `manage.py rebuild_member_counts` as a repair). `figures_by_path` is the
read: as of two months, summed by child unit. The live counts (members.selectors, the
`live_*` functions) answer the same questions from the memberships and stay the reference the
tests compare with.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection, transaction

from common.periods import add_months, month_start
from members.models import BranchMonthCount, Membership, Unit

TABLE = BranchMonthCount._meta.db_table
# pg_advisory_xact_lock(key1, key2): this table's namespace, then the branch id.
LOCK_NAMESPACE = 1902

# (branch id, month) -> (joined, active) deltas
Deltas = dict[tuple[int, datetime.date], tuple[int, int]]


@dataclass(frozen=True)
class Stretch:
    """What of a membership the counts depend on (captured before a change)."""

    branch_id: int
    started_on: datetime.date
    joined: bool
    ended_on: datetime.date | None

    @classmethod
    def of(cls, membership: Membership) -> Stretch:
        return cls(
            membership.branch_id, membership.started_on, membership.joined, membership.ended_on
        )


def _add(deltas: Deltas, stretch: Stretch, sign: int) -> None:
    key = (stretch.branch_id, month_start(stretch.started_on))
    joined, active = deltas.get(key, (0, 0))
    deltas[key] = (joined + sign * stretch.joined, active + sign)
    if stretch.ended_on is not None:
        key = (stretch.branch_id, month_start(stretch.ended_on))
        joined, active = deltas.get(key, (0, 0))
        deltas[key] = (joined, active - sign)


def record(
    *,
    before: Iterable[Stretch | Membership] = (),
    after: Iterable[Stretch | Membership] = (),
) -> None:
    """Applies the change of the memberships `before` (as they were) into `after` (as they are
    now) to the branches' monthly rows. Call it inside the write's transaction."""
    deltas: Deltas = {}
    for item in before:
        _add(deltas, item if isinstance(item, Stretch) else Stretch.of(item), -1)
    for item in after:
        _add(deltas, item if isinstance(item, Stretch) else Stretch.of(item), +1)
    apply(deltas)


def apply(deltas: Deltas) -> None:
    by_branch: dict[int, dict[datetime.date, tuple[int, int]]] = defaultdict(dict)
    for (branch_id, month), change in deltas.items():
        if change != (0, 0):
            by_branch[branch_id][month] = change
    if not by_branch:
        return
    provinces = {
        unit.pk: unit.province_pk()
        for unit in Unit.objects.filter(pk__in=by_branch).only("pk", "path")
    }
    with transaction.atomic(), connection.cursor() as cursor:
        for branch_id in sorted(by_branch):  # one order for every writer: no deadlock
            _apply_branch(cursor, branch_id, provinces[branch_id], by_branch[branch_id])


def _apply_branch(
    cursor: object,
    branch_id: int,
    province_id: int | None,
    changes: dict[datetime.date, tuple[int, int]],
) -> None:
    execute = cursor.execute  # type: ignore[attr-defined]
    execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, branch_id])
    execute(f"SELECT min(month), max(month) FROM {TABLE} WHERE branch_id = %s", [branch_id])
    first, last = cursor.fetchone()  # type: ignore[attr-defined]
    low, high = min(changes), max(changes)
    series = "generate_series(%s::date, %s::date, interval '1 month') AS g(t)"
    if first is None:
        execute(
            f"INSERT INTO {TABLE} (branch_id, month, province_id, joined_total, active, is_last) "
            f"SELECT %s, t::date, %s, 0, 0, t::date = %s FROM {series}",
            [branch_id, province_id, high, low, high],
        )
    else:
        if low < first:  # nothing before the first row: zeros
            execute(
                f"INSERT INTO {TABLE} (branch_id, month, province_id, joined_total, active, "
                f"is_last) SELECT %s, t::date, %s, 0, 0, false FROM {series}",
                [branch_id, province_id, low, add_months(first, -1)],
            )
        if high > last:  # the last row's figures carry on to the new months
            execute(
                f"INSERT INTO {TABLE} (branch_id, month, province_id, joined_total, active, "
                f"is_last) SELECT s.branch_id, t::date, s.province_id, s.joined_total, s.active, "
                f"t::date = %s FROM {TABLE} s, {series} WHERE s.branch_id = %s AND s.month = %s",
                [high, add_months(last, 1), high, branch_id, last],
            )
            execute(
                f"UPDATE {TABLE} SET is_last = false WHERE branch_id = %s AND month = %s",
                [branch_id, last],
            )
    months = sorted(changes)
    values = ", ".join(["(%s::date, %s, %s)"] * len(months))
    params: list[object] = []
    for month in months:
        params += [month, *changes[month]]
    # Each row gets the sum of the changes of its month and every earlier one.
    execute(
        f"UPDATE {TABLE} s SET joined_total = s.joined_total + c.joined, "
        f"active = s.active + c.active "
        f"FROM (SELECT r.month, sum(d.joined) AS joined, sum(d.active) AS active "
        f"      FROM {TABLE} r JOIN (VALUES {values}) AS d(month, joined, active) "
        f"      ON d.month <= r.month WHERE r.branch_id = %s AND r.month >= %s GROUP BY r.month) c "
        f"WHERE s.branch_id = %s AND s.month = c.month",
        [*params, branch_id, low, branch_id],
    )


REBUILD_SQL = f"""
INSERT INTO {TABLE} (branch_id, month, province_id, joined_total, active, is_last)
WITH events AS (
    SELECT branch_id, date_trunc('month', started_on)::date AS month,
           count(*) FILTER (WHERE joined) AS joined, count(*) AS active
    FROM members_membership {{where}} GROUP BY 1, 2
    UNION ALL
    SELECT branch_id, date_trunc('month', ended_on)::date, 0, -count(*)
    FROM members_membership WHERE ended_on IS NOT NULL {{and_where}} GROUP BY 1, 2
), changes AS (
    SELECT branch_id, month, sum(joined) AS joined, sum(active) AS active
    FROM events GROUP BY 1, 2
), spans AS (
    SELECT branch_id, min(month) AS first, max(month) AS last FROM changes GROUP BY 1
), grid AS (
    SELECT s.branch_id, m::date AS month, m::date = s.last AS is_last
    FROM spans s, generate_series(s.first, s.last, interval '1 month') AS m
)
SELECT g.branch_id, g.month,
       (string_to_array(trim(both '/' from u.path), '/'))[2]::int,
       sum(coalesce(c.joined, 0)) OVER w, sum(coalesce(c.active, 0)) OVER w, g.is_last
FROM grid g
JOIN members_unit u ON u.id = g.branch_id
LEFT JOIN changes c ON c.branch_id = g.branch_id AND c.month = g.month
WINDOW w AS (PARTITION BY g.branch_id ORDER BY g.month)
ORDER BY g.branch_id, g.month
"""


@transaction.atomic
def rebuild(branch_ids: Sequence[int] | None = None) -> int:
    """Recomputes the rows of the given branches (every branch when None) from the memberships;
    returns how many rows were written. The branches' rows are locked as `apply` locks them,
    so a write in progress is not lost."""
    with connection.cursor() as cursor:
        if branch_ids is None:
            # Every row at once (tens of millions at national scale): emptied, written in the
            # primary key's order, and the other indexes built once after, not row by row.
            # Readers wait for the rebuild (TRUNCATE's lock), writers too.
            # Foreign keys checked at each statement's end (Django defers them to the commit):
            # TRUNCATE and CREATE INDEX refuse a table with checks pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {TABLE}")
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i JOIN pg_index x "
                "ON x.indexrelid = (quote_ident(i.indexname))::regclass "
                "WHERE i.tablename = %s AND NOT x.indisprimary",
                [TABLE],
            )
            indexes = cursor.fetchall()
            for name, _definition in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
            cursor.execute(REBUILD_SQL.format(where="", and_where=""))
            written = cursor.rowcount
            for _name, definition in indexes:
                cursor.execute(definition)
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            return written
        else:
            ids = sorted(set(branch_ids))
            for branch_id in ids:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, branch_id])
            cursor.execute(f"DELETE FROM {TABLE} WHERE branch_id = ANY(%s)", [ids])
            cursor.execute(
                REBUILD_SQL.format(
                    where="WHERE branch_id = ANY(%s)", and_where="AND branch_id = ANY(%s)"
                ),
                [ids, ids],
            )
        return cursor.rowcount


# --- The read ------------------------------------------------------------------------------

# The rows that stand for each branch as of two months: the row of the month itself, or the
# branch's last row when it is earlier (nothing changed since). A branch with no row by then
# had no member yet. Three index-only scans of the covering indexes: (month, province) twice,
# the partial is_last index. `key` is what the rows are summed by: the branch (then mapped
# to the child unit along its path) or, for the central union, the province column itself.
PICKED_SQL = f"""
    SELECT {{key}} AS grp, joined_total AS joined_end, active AS active_end, 0 AS joined_before
    FROM {TABLE} WHERE month = %(end)s {{province}}
    UNION ALL
    SELECT {{key}}, 0, 0, joined_total FROM {TABLE} WHERE month = %(before)s {{province}}
    UNION ALL
    SELECT {{key}}, joined_total, active, CASE WHEN month < %(before)s THEN joined_total ELSE 0 END
    FROM {TABLE} WHERE is_last AND month < %(end)s {{province}}
"""

# Below the centre: one province's branches at most (10,000 in the bench), each mapped to the
# child of the unit (by id, from the branch's path).
BY_BRANCH_SQL = f"""
SELECT NULLIF(split_part(u.path, '/', %(child_part)s), '') AS child,
       sum(joined_end) - sum(joined_before), sum(active_end)
FROM ({PICKED_SQL.format(key="branch_id", province="AND province_id = %(province_id)s")}) AS picked
JOIN members_unit u ON u.id = picked.grp
WHERE u.path LIKE %(prefix)s
GROUP BY 1
"""

# The central union: its children are the provinces, which every row names already (the
# depth-1 ancestor of its branch: REBUILD_SQL, `apply`), so the rows of the 100,000
# branches are summed by province with no join to the units; only the provinces' totals are
# then kept to the union's children (its subtree, as by path).
BY_PROVINCE_SQL = f"""
SELECT by_province.grp, joined, active
FROM (
    SELECT grp, sum(joined_end) - sum(joined_before) AS joined, sum(active_end) AS active
    FROM ({PICKED_SQL.format(key="province_id", province="")}) AS picked
    GROUP BY 1
) AS by_province
JOIN members_unit u ON u.id = by_province.grp
WHERE u.parent_id = %(unit_id)s
"""


def figures_by_child(
    unit: Unit, first: datetime.date, last: datetime.date
) -> dict[int | None, tuple[int, int]]:
    """New members in months first..last and active members at the end of `last`, for the
    branches under `unit` grouped by the child of `unit` (by id; None for the branches
    counted on the unit itself, when it is a branch)."""
    end, before = month_start(last), add_months(month_start(first), -1)
    province_id = unit.province_pk()
    params = {
        "end": end,
        "before": before,
        "province_id": province_id,
        "prefix": f"{unit.path}%",
        "unit_id": unit.pk,
        # "/1/5/77/": part 2 is the root's id, part depth + 3 the child's
        "child_part": unit.depth + 3,
    }
    sql = BY_PROVINCE_SQL if province_id is None else BY_BRANCH_SQL
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {
            (int(child) if child else None): (int(joined), int(active))
            for child, joined, active in cursor.fetchall()
        }
