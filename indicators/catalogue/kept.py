"""The catalogue kept in each process: the programs and the indicators of their entry forms,
read again only when the catalogue's version changes (migration indicators 0012).

The entry form is the deadline day's most requested page, and reading four programs and a
program's indicators with their relations was a tenth of its CPU. A version is one indexed
single-row query (~0.1 ms), as members.mapversion for the map.

Why it is never stale (the same reasoning as members.mapversion):

- PostgreSQL triggers renumber the version on every statement that writes a program or an
  indicator, whoever writes (load_catalog, the admin, queryset.update(), raw SQL, a flush);
- the number is the row's, so it is transactional: a reader sees a new number only once the
  writes it stands for are committed (or are its own, in the writer's transaction), and the
  catalogue is read after the number, so what is kept under a number is at least that new;
- each number comes from a sequence: a transaction that rolled back (every test) took numbers
  nobody will be given again, so what was read of its writes is never found under a number of
  a later catalogue;
- the key holds the database's name: a process that uses two numbers both from 1.

What is kept is shared by every request and thread of the process: nobody may change the
objects it gives (nothing does: the pages read them, the services only refer to them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection

from indicators.models import CollectionLevel, Indicator, Rule
from programs.models import Program

_READ = "SELECT version FROM indicators_catalogue_version WHERE id = 1"


@dataclass(frozen=True)
class Catalogue:
    """Every program by code, and each program's indicators of the entry form (any but
    coverage, at the commune's or the branch's level) by position, each with its program and
    the indicator it is part of."""

    programs: tuple[Program, ...]
    forms: dict[int, tuple[Indicator, ...]] = field(default_factory=dict)

    def form_indicators(self, program: Program) -> tuple[Indicator, ...]:
        return self.forms.get(program.pk, ())


_kept: tuple[tuple[str, int], Catalogue] | None = None


def version() -> int | None:
    """The catalogue's version; None when there is none to trust (its row was removed by
    hand), in which case nothing may be kept."""
    with connection.cursor() as cursor:
        cursor.execute(_READ)
        row = cursor.fetchone()
    return int(row[0]) if row else None


def catalogue() -> Catalogue:
    """The catalogue now: the kept one while its version holds, else read (and kept)."""
    global _kept
    number = version()
    if number is None:
        return _read()
    key = (connection.settings_dict["NAME"], number)
    kept = _kept
    if kept is not None and kept[0] == key:
        return kept[1]
    found = _read()
    _kept = (key, found)  # one assignment: a thread sees the old pair or the new one
    return found


def _read() -> Catalogue:
    programs = tuple(Program.objects.order_by("code"))
    by_pk = {p.pk: p for p in programs}
    forms: dict[int, list[Indicator]] = {p.pk: [] for p in programs}
    indicators = (
        Indicator.objects.exclude(rule=Rule.COVERAGE)
        .filter(level__in=[CollectionLevel.COMMUNE, CollectionLevel.BRANCH])
        .select_related("part_of")
        .order_by("position", "pk")
    )
    for indicator in indicators:
        indicator.program = by_pk[indicator.program_id]  # one object per program
        forms[indicator.program_id].append(indicator)
    return Catalogue(programs, {pk: tuple(found) for pk, found in forms.items()})
