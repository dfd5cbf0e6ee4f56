"""Name indexes per province for the register's search.

A province's officer searches only their province's members, so each province gets its own
partial indexes (`... WHERE province_id = P`, see KINDS): they hold the province's rows only,
so a search costs what the province holds (0.3-2 million members), not what the country holds
(20 million). A migration cannot know the provinces' ids, so the indexes follow the province
units: `sync_province_indexes` creates the missing ones and drops those of provinces that no
longer exist. It runs in migration 0007, after every migrate (post_migrate), when units are
inserted (members.services.insert_units, which every way of creating a province goes through)
and from `manage.py member_search_indexes`. Idempotent; a new province has no members yet, so
its indexes are built at once.

The national (province_id, name_folded) index of migration 0006 stays for searches across
provinces (the central union's officers). Measured before and after in bench/members.py.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import DEFAULT_DB_ALIAS, connections

from members.models import Level, Unit

# Two indexes a province, both partial on province_id = P:
# - a trigram GIN index on the folded name: finds the few rows of a rare name at once;
# - a btree on (name_folded, id) carrying anonymised_at and branch_id: walked in the register's
#   order with the words checked on the index entries alone (an index-only scan, about 10
#   million entries a second), it stops at the page's 51st match, which is quick when the name
#   is common, exactly where the trigram index must fetch and sort tens of thousands of rows.
# PostgreSQL's planner picks one per query from its estimates; the walk's worst case is
# bounded by the province's size (its whole index once).
KINDS = {
    "trgm": "USING gin (name_folded gin_trgm_ops)",
    "order": "(name_folded, id) INCLUDE (anonymised_at, branch_id)",
}
NAME_PATTERN = r"^member_name_(trgm|order)_p[0-9]+$"


def index_names(province_pk: int) -> dict[str, str]:
    """Each index of the province by name, with its definition."""
    return {
        f"member_name_{kind}_p{province_pk}": (
            f"ON members_member {definition} WHERE province_id = {int(province_pk)}"
        )
        for kind, definition in KINDS.items()
    }


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    seconds: float = 0.0


def existing_indexes(using: str = DEFAULT_DB_ALIAS) -> set[str]:
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'members_member' "
            "AND indexname ~ %s",
            [NAME_PATTERN],
        )
        return {row[0] for row in cursor.fetchall()}


def sync_province_indexes(
    using: str = DEFAULT_DB_ALIAS, province_pks: Iterable[int] | None = None
) -> SyncReport:
    """Creates the missing per-province indexes and drops those of deleted provinces.
    `province_pks` defaults to every province unit (a migration passes its own)."""
    report = SyncReport()
    connection = connections[using]
    started = time.perf_counter()
    if province_pks is None:
        province_pks = (
            Unit.objects.using(using).filter(level=Level.PROVINCE).values_list("pk", flat=True)
        )
    wanted: dict[str, str] = {}
    for pk in sorted(province_pks):
        wanted |= index_names(pk)
    existing = existing_indexes(using)
    with connection.cursor() as cursor:
        for name in sorted(existing - wanted.keys()):
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
            report.dropped.append(name)
        for name, definition in wanted.items():
            if name not in existing:
                # The province id is an integer read from the database, never user text (a
                # partial index's predicate cannot take a query parameter).
                cursor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" {definition}')
                report.created.append(name)
    report.seconds = time.perf_counter() - started
    return report


def drop_province_indexes(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Drops every per-province index (the migration's way back)."""
    names = sorted(existing_indexes(using))
    with connections[using].cursor() as cursor:
        for name in names:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
    return names
