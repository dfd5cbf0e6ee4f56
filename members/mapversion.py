"""The map's version: a number that changes whenever anything a lineage is built from changes.

What a process keeps across requests about the map (members.lineage keeps built lineages) is
keyed by this number, read once per use with one indexed single-row query (~0.1 ms).

Why PostgreSQL triggers (migration members 0010) rather than a bump in each writer: units and
merger links are written by the services, `load_units`, the admin, the bench and demo builders
(bulk_create, bulk_update, raw DELETEs), fixtures and test flushes; a trigger on each statement
that writes them misses none, including a write path added later. The triggers watch:

- members_unit: any INSERT, DELETE or TRUNCATE, and an UPDATE that sets its path, parent,
  level or dates (a save() sets them all, so any save moves the version: writes are rare);
- members_unitsuccession: any write.

Why it is never stale:

- the number is the row's, so it is transactional: a reader sees a new number only once the
  writes it stands for are committed (or are its own writes, in the writer's transaction);
  what it then reads of the map is at least that new;
- each number comes from a sequence, never "old plus one": a transaction that rolled back
  (a failed import, every test) took numbers nobody will be given again, so what was built
  from its uncommitted writes is never found under a number of a later map;
- two writers in parallel queue on the row (the second waits for the first to commit), so
  each committed map has a number of its own.

A reader racing a writer may build from the new map under the old number; later readers see
the new number, so that entry is only found by readers that were racing too.
"""

from __future__ import annotations

from django.db import connection

_READ = "SELECT version FROM members_map_version WHERE id = 1"


def current() -> int | None:
    """The map's version; None when there is none to trust (its row was removed by hand), in
    which case nothing may be kept across requests."""
    with connection.cursor() as cursor:
        cursor.execute(_READ)
        row = cursor.fetchone()
    return int(row[0]) if row else None
