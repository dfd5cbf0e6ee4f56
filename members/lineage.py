"""Lineage: where the units that ceased before a day belong on that day's map.

PRODUCT.md, "Figures across the 2025 reform": a unit's history includes its predecessors'. The
one place that decides who those are is `Lineage`, built for a unit in force on a day (the
scope) from the merger links that `load_units` records (members.models.UnitSuccession):

- an old unit with successors belongs to the lowest unit holding all of them on the day: its
  successor when it merged wholly into one (an old commune into a new commune), their lowest
  common ancestor when it was split (usually the province);
- an old unit without links of its own (an old district, a merged-in province, an old branch)
  belongs to the lowest unit holding where all its old units with links went (Ninh Thuận's
  communes all went to Khánh Hòa's new communes, so Ninh Thuận belongs to Khánh Hòa); with
  none, to its parent's place (an old branch follows its commune);
- a successor that itself ceased before the day is followed to where it went, so a second
  reform is one more step.

`home` gives, for every old unit that matters to the scope, the path of the unit in force on
the day that holds its whole area. The scope's old units are those in its own subtree (the old
districts kept under a continuing province) and the whole old trees whose units have a
successor in it (Ninh Thuận's for Khánh Hòa, an old district's for a new commune): whole, so
that an old district's place is decided by all its communes, not by the few that went to the
scope. Built in at most five queries whatever the scope's size, and kept across requests for
as long as the map does not change (`lineage`).

A range that ends before the reform has no old unit (nothing had ceased), so its figures are
those of the old map as it was; a scope that itself ceased is looked at on its own last day.
"""

from __future__ import annotations

import datetime
import gc
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sized
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from django.db import connection
from django.db.models import Q

from members import mapversion
from members.models import PATH_SEP, Level, Unit, UnitSuccession

T = TypeVar("T")


@dataclass(frozen=True)
class OldUnit:
    pk: int
    path: str
    level: str
    parent_id: int | None


def parent_path(path: str) -> str:
    """The path of a unit's parent ("/1/5/" for "/1/5/42/")."""
    parts = path.strip(PATH_SEP).split(PATH_SEP)
    return PATH_SEP + PATH_SEP.join(parts[:-1]) + PATH_SEP if len(parts) > 1 else ""


def path_pk(path: str) -> int:
    return int(path.strip(PATH_SEP).split(PATH_SEP)[-1])


def child_on(path: str, parent: Unit) -> int:
    """The id of `parent`'s child on a descendant's path (the parent's own id for itself)."""
    if path == parent.path:
        return parent.pk
    start = len(parent.path)
    return int(path[start : path.index(PATH_SEP, start)])


def common_path(paths: list[str]) -> str:
    """The path of the lowest unit holding every unit of `paths` (their longest common prefix
    of whole ids)."""
    first = paths[0] if paths else ""
    if all(p == first for p in paths):  # most often: one successor, or children gone alike
        return first
    split = [p.strip(PATH_SEP).split(PATH_SEP) for p in paths]
    common: list[str] = []
    for parts in zip(*split, strict=False):
        if any(part != parts[0] for part in parts):
            break
        common.append(parts[0])
    return PATH_SEP + PATH_SEP.join(common) + PATH_SEP if common else ""


def scope_day(unit: Unit, day: datetime.date) -> datetime.date:
    """The map a unit is looked at on: the day, or its own last day if it ended before."""
    return min(day, unit.valid_to) if unit.valid_to is not None else day


@dataclass
class Lineage:
    """The old units that matter to `scope` on `day` and where each belongs (`home`).

    `old` leaves out the old branches without merger links of their own (there are ten times
    as many as old communes: 100,000 on the national map) when no old unit below them exists:
    such a branch belongs where its parent belongs, and it moves no figure from one row to
    another, so only the callers that list a level's units meet them, and they ask `place`
    (which remembers the answer in `leaves`, for `is_old` and `holder`)."""

    scope: Unit
    day: datetime.date
    old: dict[int, OldUnit] = field(default_factory=dict)
    home: dict[int, str] = field(default_factory=dict)  # old unit id -> path of its place
    levels: dict[str, str] = field(default_factory=dict)  # place path -> its level
    # The paths of the whole old trees outside the scope whose units have a successor in it.
    roots: list[str] = field(default_factory=list)
    # Whether old branches may have been left out of `old` (see the class's docstring).
    lean: bool = False
    leaves: dict[int, str] = field(default_factory=dict)  # left-out old branch -> its place
    # The old units whose flows move between the rows of a table, by (parent, level, rows):
    # the columns of a page ask for the same (indicators.figures.rules.SumRule).
    moves: dict[tuple[int, str, tuple[int, ...]], list[tuple[int, int | None, int | None]]] = field(
        default_factory=dict
    )
    # What callers work out from the scope's map on the day alone (the units of a level with
    # the row each goes to, the units counted per row), by a key of theirs (`derived`).
    _derived: dict[Hashable, Any] = field(default_factory=dict)

    def derived(self, key: Hashable, build: Callable[[], T]) -> T:
        """`build()`, kept for as long as this lineage: `build` must read nothing but the
        scope's map on the day (units and their links, never results), since the lineage is
        kept until the map changes (`lineage`), and `key` must say all that it depends on.
        The caller must not change what it gets: other requests get the same object."""
        if key not in self._derived:
            self._derived[key] = build()
        return cast(T, self._derived[key])

    def weight(self) -> int:
        """About how many items it holds, for the budget of the lineages kept (`_Kept`)."""
        # list() copies in one step under the GIL: safe while another thread adds to a memo.
        memos = [*list(self.moves.values()), *list(self._derived.values())]
        held = len(self.old) + len(self.home) + len(self.leaves)
        return held + sum(_size(memo) for memo in memos)

    @property
    def is_empty(self) -> bool:
        return not self.old and not self.lean

    def inside(self, path: str) -> bool:
        return path.startswith(self.scope.path)

    def where(self) -> Q:
        """The units that matter to the scope: its subtree and the old trees of `roots`."""
        found = Q(path__startswith=self.scope.path)
        for root in self.roots:
            found |= Q(path__startswith=root)
        return found

    def ceased(self, valid_to: datetime.date | None) -> bool:
        """Whether a unit of `where` with this last day is an old unit on the day."""
        return valid_to is not None and valid_to < self.day

    def place(self, pk: int, path: str, parent_id: int | None) -> str:
        """The path of the unit in force that holds old unit `pk` (any old unit, whether in
        `old` or left out of it)."""
        if pk in self.home:
            return self.home[pk]
        if pk not in self.leaves:
            parent = self.home.get(parent_id) if parent_id is not None else None
            self.leaves[pk] = parent if parent is not None else parent_path(path)
        return self.leaves[pk]

    def is_old(self, pk: int) -> bool:
        """Whether `pk` is an old unit (one left out of `old` only once `place` met it)."""
        return pk in self.old or pk in self.leaves

    def holds(self, level: str) -> bool:
        """Whether some old unit at `level` is held by a unit at `level` in the scope (a
        merged commune by its new commune): only then does a figure that counts the units
        at `level` (a coverage) differ from the same figure over the units in force alone.
        A left-out old branch belongs where its parent does: a commune's place, never a
        branch (a branch's parent is no branch). Asked by every coverage of a page: kept."""
        return self.derived(("holds", level), lambda: self._holds(level))

    def _holds(self, level: str) -> bool:
        for pk, old in self.old.items():
            place = self.home.get(pk, "")
            if old.level == level and self.levels.get(place) == level and self.inside(place):
                return True
        return False

    def holder(self, pk: int, level: str) -> int | None:
        """The unit in force at `level` that holds old unit `pk` wholly (what a stock or a
        rate falls back to), or None when it belongs higher (split) or elsewhere."""
        place = self.home.get(pk) or self.leaves.get(pk)
        if place is None or not self.inside(place) or self.levels.get(place) != level:
            return None
        return path_pk(place)


def _size(memo: object) -> int:
    """The items of a memo: a collection's, or its parts' for a tuple of them."""
    if isinstance(memo, tuple):
        return sum(_size(part) for part in memo if isinstance(part, Sized))
    return len(memo) if isinstance(memo, Sized) else 1


def lineage(scope: Unit, day: datetime.date) -> Lineage:
    """The scope's lineage on `day` (see the module's docstring).

    Built lineages are kept across requests in this process (`_KEPT`), keyed by the scope, the
    day and the map's version (members.mapversion): any write to the units or their merger
    links changes the version, so a kept lineage is never served for a map it was not built
    from. A unit object also remembers its answers, so a page that asks for every figure of
    the same unit (each indicator, each month) reads the version once per unit object."""
    day = scope_day(scope, day)
    known: dict[datetime.date, Lineage] = scope.__dict__.setdefault("_lineages", {})
    if day not in known:
        known[day] = _kept(scope, day)
    return known[day]


def freeze_kept(**_signal: Any) -> None:
    """After a request that kept a new lineage (request_finished): collect the garbage, then
    move every object alive into the collector's permanent generation (gc.freeze).

    A kept lineage, its memos and the loaded application are hundreds of thousands of
    long-lived objects, and Python's full collection walks them all: on the national data one
    dashboard in about fifteen paid a 46 ms pause (the province's p95 80 -> 120 ms). Frozen,
    they are never walked again; a dropped lineage is still freed by its reference counts (it
    holds no cycles). The collection runs after the response, once per lineage built: rare,
    since lineages are kept until the map changes. What a collection could not free then (the
    finished request's own cycles) is frozen too and never freed: a few kilobytes a lineage,
    bounded by gunicorn replacing its workers (config/gunicorn.py, max_requests).

    At most once every FREEZE_EVERY_SECONDS: on the deadline day every commune's form keeps a
    small lineage of its own (~30 items), and a full collection after each (~6 ms with the GIL
    held) was 1% of the web workers' CPU under `make load`. A lineage kept in between is
    frozen at the next request that ends after the interval."""
    global _last_freeze
    now = time.monotonic()
    if _KEPT.unfrozen and now - _last_freeze >= FREEZE_EVERY_SECONDS:
        _KEPT.unfrozen = 0
        _last_freeze = now
        gc.collect()
        gc.freeze()


FREEZE_EVERY_SECONDS = 10.0
_last_freeze = float("-inf")


def forget() -> None:
    """Drops the lineages kept in this process (a measure of what a page costs cold)."""
    _KEPT.clear()


def _kept(scope: Unit, day: datetime.date) -> Lineage:
    version = mapversion.current()
    if version is None:
        return _read(scope, day)
    # The database's name too: a process that uses two (the tests' and another) numbers
    # both maps from 1.
    key = (connection.settings_dict["NAME"], scope.pk, scope.path, day, version)
    found = _KEPT.get(key)
    if found is None:
        # Two threads missing the same key both build it: equal lineages, the last one kept.
        found = _read(_detached(scope), day)
        _KEPT.put(key, found)
    return found


def _detached(scope: Unit) -> Unit:
    """A copy of the scope with what a lineage reads of it, so that a kept lineage holds
    nothing of the request that built it (the unit object's caches, its relations)."""
    return Unit(
        pk=scope.pk,
        level=scope.level,
        parent_id=scope.parent_id,
        path=scope.path,
        valid_from=scope.valid_from,
        valid_to=scope.valid_to,
    )


_Key = tuple[str, int, str, datetime.date, int]  # database, scope id and path, day, version


class _Kept:
    """The lineages built lately, at most `size` of them and about `budget` items in all
    (`Lineage.weight`), the least recently used dropped first.

    Sharing a Lineage between requests and gunicorn's threads (config/gunicorn.py) is safe:
    what `_read` fills is never changed after, and the memos filled while it is used,
    `leaves` (Lineage.place) and `moves` (indicators.figures.rules), hold what a function of
    the lineage's own fixed data gives for the key, and so does `derived` of the map alone:
    each value is built aside and stored by one dict assignment (atomic under the GIL), so a
    thread reads either nothing or the whole value, and two threads filling the same key store
    equal values. Nothing iterates over them but `weight`, on a copy."""

    def __init__(self, size: int, budget: int) -> None:
        self.size = size
        self.budget = budget
        self._items: OrderedDict[_Key, Lineage] = OrderedDict()
        self._lock = threading.Lock()
        self._total = 0  # the weights as last weighed, plus those put since
        self._puts = 0

    def get(self, key: _Key) -> Lineage | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    # Lineages kept since the last `freeze_kept` (read without the lock: a hint).
    unfrozen = 0

    def put(self, key: _Key, found: Lineage) -> None:
        """Keeps `found`, then, when over the size or the budget by the running total, or
        every TRIM_EVERY puts, weighs them all again (memos grow after a lineage is kept) and
        drops the oldest until within both. The newest stays, even alone over the budget: the
        next put drops it if it is not used again."""
        with self._lock:
            self.unfrozen += 1
            self._items[key] = found
            self._items.move_to_end(key)
            self._total += found.weight()
            self._puts += 1
            over = len(self._items) > self.size or self._total > self.budget
            if over or self._puts % TRIM_EVERY == 0:
                self._trim()

    def _trim(self) -> None:
        # Weighing thousands of small lineages is a few ms: not at every put.
        weights = {k: lineage.weight() for k, lineage in self._items.items()}
        total = sum(weights.values())
        while len(self._items) > 1 and (len(self._items) > self.size or total > self.budget):
            dropped, _lineage = self._items.popitem(last=False)
            total -= weights[dropped]
        self._total = total

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._total = 0

    def __len__(self) -> int:
        return len(self._items)


# Measured on the benchmark's national data (tracemalloc): a national lineage is ~22,000 items
# (10,800 old units, 5 MB), ~35,000 with the communes of its table placed (+1.4 MB), ~270,000
# (~27 MB) once a page has placed every branch of both maps (~90 bytes an item); a province's,
# a few thousand; a commune's, ~30 (~3 KiB). The budget keeps a process under ~100 MB of
# lineages. The size holds every commune's lineage for a few months: on the deadline day each
# worker serves forms of any commune, and a lineage built again costs a form ~4 ms of CPU and 6
# queries (with 64, most of the load's forms built theirs: 215 communes x 4 months).
_KEPT = _Kept(size=4096, budget=500_000)
TRIM_EVERY = 32


def _read(scope: Unit, day: datetime.date) -> Lineage:
    found = Lineage(scope, day)
    ceased = Q(valid_to__lt=day)
    fields = ("pk", "path", "level", "parent_id")
    incoming = list(
        UnitSuccession.objects.filter(successor__path__startswith=scope.path, effective_on__lte=day)
        .exclude(predecessor__path__startswith=scope.path)
        .values_list("predecessor__path", flat=True)
    )
    roots: list[str] = []
    if incoming:
        ancestors = {int(p) for path in incoming for p in path.strip(PATH_SEP).split(PATH_SEP)}
        old_ids = set(Unit.objects.filter(ceased, pk__in=ancestors).values_list("pk", flat=True))
        for path in incoming:
            ids = [int(p) for p in path.strip(PATH_SEP).split(PATH_SEP)]
            top = next(i for i, pk in enumerate(ids) if pk in old_ids or i == len(ids) - 1)
            roots.append(PATH_SEP + PATH_SEP.join(map(str, ids[: top + 1])) + PATH_SEP)
        roots = sorted(set(roots))
    found.roots = roots
    where = Q(predecessor__path__startswith=scope.path)
    for root in roots:
        where |= Q(predecessor__path__startswith=root)
    links: dict[int, list[tuple[int, str]]] = {}
    linked_levels: dict[int, str] = {}
    for pred, level, succ, path in UnitSuccession.objects.filter(
        where, predecessor__valid_to__lt=day, effective_on__lte=day
    ).values_list("predecessor", "predecessor__level", "successor", "successor__path"):
        links.setdefault(pred, []).append((succ, path))
        linked_levels[pred] = level
    # Old branches without links of their own are left out when no old unit below a branch
    # is linked (see Lineage): their place is their parent's, computed on demand.
    lean = not set(linked_levels.values()) & set(_BELOW_BRANCH)
    units = Unit.objects.filter(found.where()).exclude(pk=scope.pk).filter(ceased)
    linked = [pk for pk, level in linked_levels.items() if level == Level.BRANCH]
    kept = units.filter(~Q(level=Level.BRANCH) | Q(pk__in=linked)) if lean else units
    rows = list(kept.values_list(*fields))
    if lean and any(level in _BELOW_BRANCH for _pk, _path, level, _parent in rows):
        lean = False  # an old unit below a branch: its branch's place decides its own
        rows = list(units.values_list(*fields))
    if lean:
        found.lean = bool(rows) or units.filter(level=Level.BRANCH).exists()
    if not rows:
        return found
    found.old = {pk: OldUnit(pk, path, level, parent) for pk, path, level, parent in rows}
    _place_all(found, links)
    places = {path_pk(p) for p in found.home.values() if p}
    levels = dict(Unit.objects.filter(pk__in=places).values_list("path", "level"))
    found.levels = levels
    return found


# The levels below a branch (its groups): a lean lineage has none of them old.
_BELOW_BRANCH = (Level.GROUP,)


def _place_all(found: Lineage, links: dict[int, list[tuple[int, str]]]) -> None:
    """Fills `found.home`: linked units from their successors, the others bottom-up from
    their old units' places, what is left top-down from the parent's place."""
    old, home = found.old, found.home
    resolving: set[int] = set()

    def linked(pk: int) -> str | None:
        if pk in home or pk not in links or pk in resolving:
            return home.get(pk)
        resolving.add(pk)
        paths = []
        for succ, path in links[pk]:
            if succ in old:  # a successor that ceased too: where it went, else its parent
                path = linked(succ) or parent_path(path)
            paths.append(path)
        home[pk] = common_path(paths)
        return home[pk]

    for pk in links:
        if pk in old:
            linked(pk)
    children: dict[int, list[int]] = {}
    for unit in old.values():
        if unit.parent_id is not None:
            children.setdefault(unit.parent_id, []).append(unit.pk)
    for unit in sorted(old.values(), key=lambda u: -u.path.count(PATH_SEP)):
        below = [home[c] for c in children.get(unit.pk, []) if home.get(c)]
        if unit.pk not in home and below:
            home[unit.pk] = common_path(below)
    for unit in sorted(old.values(), key=lambda u: u.path.count(PATH_SEP)):
        if unit.pk not in home:  # parents first, so the parent's place is known
            parent = unit.parent_id
            home[unit.pk] = home[parent] if parent in old else parent_path(unit.path)
