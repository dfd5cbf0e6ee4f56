"""Named reads of the hierarchy."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet, Value
from django.db.models.functions import Lower, StrIndex
from django.db.models.lookups import GreaterThan
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import access
from common.periods import month_end, month_start
from members import ethnicities, gazetteer, month_counts
from members.lineage import lineage
from members.models import (
    Household,
    Level,
    Member,
    MemberQuerySet,
    Membership,
    MemberStatus,
    Unit,
    UnitQuerySet,
    UnitSuccession,
)
from members.text import fold

if TYPE_CHECKING:
    from accounts.models import User


def province_by_name(name: str) -> Unit | None:
    """The province unit for a name as documents write it ("Khánh Hòa", "Thừa Thiên Huế")."""
    try:
        province = gazetteer.find_province(name)
    except (LookupError, ValueError):
        return None
    code = gazetteer.province_code(province.code.value)
    return Unit.objects.filter(level=Level.PROVINCE, code=code, valid_to__isnull=True).first()


def current_children(unit: Unit, day: datetime.date | None = None) -> UnitQuerySet:
    return Unit.objects.filter(parent=unit).valid_on(day or timezone.localdate()).order_by("name")


def count_descendants_by_level(unit: Unit, day: datetime.date | None = None) -> dict[str, int]:
    """How many units of each level are under `unit` on `day`, highest level first.

    A function of the map alone: kept with the unit's lineage on the day's month end (what its
    figures read on the same page, members.lineage), so counted once per map version, not on
    every page."""
    day = day or timezone.localdate()
    kept = lineage(unit, month_end(day))
    counts = kept.derived(("descendants_by_level", day), lambda: _descendants_by_level(unit, day))
    return dict(counts)


def _descendants_by_level(unit: Unit, day: datetime.date) -> dict[str, int]:
    rows = (
        Unit.objects.subtree(unit, include_self=False)
        .valid_on(day)
        .values("level")
        .annotate(n=Count("id"))
    )
    counts = {row["level"]: row["n"] for row in rows}
    return {level: counts[level] for level in Level.values if level in counts}


def predecessors(unit: Unit) -> UnitQuerySet:
    ids = UnitSuccession.objects.filter(successor=unit).values("predecessor_id")
    return Unit.objects.filter(pk__in=ids).order_by("name")


def successors(unit: Unit) -> UnitQuerySet:
    ids = UnitSuccession.objects.filter(predecessor=unit).values("successor_id")
    return Unit.objects.filter(pk__in=ids).order_by("name")


def predecessors_and_successors(
    unit: Unit, day: datetime.date | None = None
) -> tuple[list[Unit], list[Unit]]:
    """`predecessors` and `successors` in one query, each by name: the links in and out of
    the unit ordered by the old unit's name, then the new one's (constant in each half).

    With `day` (a page's, whose figures read the unit's lineage on its month end), none when
    the lineage knows the unit has no link (a unit no reform touched) with no query: the links
    are part of the map, so whether there are any is kept with it (members.lineage); the
    linked units, whose names are not, are read here."""
    linked = UnitSuccession.objects.filter(Q(successor=unit) | Q(predecessor=unit))
    if day is not None:
        kept = lineage(unit, month_end(day))
        if not kept.derived(("linked",), linked.exists):
            return [], []
    links = linked.select_related("predecessor", "successor").order_by(
        "predecessor__name", "successor__name"
    )
    olds, news = [], []
    for link in links:
        if link.successor_id == unit.pk:
            olds.append(link.predecessor)
        if link.predecessor_id == unit.pk:
            news.append(link.successor)
    return olds, news


# --- The member register ------------------------------------------------------------------


class Scope:
    """How wide a user's members are, which decides how their name search runs (see
    register_page and members/search_index.py)."""

    NATIONAL = "national"  # the central union: the national trigram index
    PROVINCES = "provinces"  # whole provinces: each province's own name indexes
    BRANCHES = "branches"  # communes and branches: read through the branch indexes


def member_scope(user: User) -> tuple[MemberQuerySet, str]:
    """The members the user may see (see visible_members) and the kind of scope.

    Officers of whole provinces are narrowed by the province column alone, which is exactly
    their scope (every write sets it with the branch, Member.place_in): no join, so their
    search reads the province's indexes only. Everyone else below the centre by the branches
    of their assignments' subtrees, a few thousand members a commune. Not narrowed by province
    as well: that would offer the planner the province's trigram index for a commune, and it
    underestimates how many rows common trigrams ("thi", "ngu") hold."""
    if access.is_unrestricted(user):
        return Member.objects.all(), Scope.NATIONAL
    # An inactive user has no assignment here, hence no member.
    units = [assignment.unit for assignment in access.assignments_for(user, access.Action.SEE)]
    provinces = {unit.province_pk() for unit in units}
    if None in provinces:
        return Member.objects.in_units(Unit.objects.within_any(units)), Scope.NATIONAL
    if units and all(unit.province_pk() == unit.pk for unit in units):
        return Member.objects.in_provinces(units), Scope.PROVINCES
    return Member.objects.in_units(Unit.objects.within_any(units)), Scope.BRANCHES


def visible_members(user: User) -> MemberQuerySet:
    """Every member the user may see: those of the branches under the user's assignments.
    Every page, export and figure that lists members starts here."""
    return member_scope(user)[0]


def visible_member_or_404(user: User, pk: int) -> Member:
    """The member if the user may see them; otherwise 404, exactly as for a missing id."""
    member = visible_members(user).select_related("branch").filter(pk=pk).first()
    if member is None:
        raise Http404
    return member


def visible_branches(user: User) -> UnitQuerySet:
    return (
        access.visible_units(user)
        .filter(level=Level.BRANCH)
        .current()
        .select_related("parent")
        .order_by("path")
    )


class Flag:
    POOR = "poor"
    NEAR_POOR = "near_poor"
    DISABILITY = "disability"
    BUSINESS_OWNER = "business_owner"
    MINORITY = "minority"


FLAG_LABELS = {
    Flag.POOR: _("Hộ nghèo"),
    Flag.NEAR_POOR: _("Hộ cận nghèo"),
    Flag.DISABILITY: _("Khuyết tật"),
    Flag.BUSINESS_OWNER: _("Chủ cơ sở kinh doanh"),
    Flag.MINORITY: _("Dân tộc thiểu số"),
}

_FLAG_FILTERS = {
    Flag.POOR: Q(household=Household.POOR),
    Flag.NEAR_POOR: Q(household=Household.NEAR_POOR),
    Flag.DISABILITY: Q(has_disability=True),
    Flag.BUSINESS_OWNER: Q(is_business_owner=True),
    Flag.MINORITY: ~Q(ethnicity=ethnicities.KINH) & ~Q(ethnicity=""),
}

# Age groups by year of birth (the register often has only the year): age = this year - birth.
AGE_GROUPS: dict[str, tuple[int, int | None]] = {
    "18-35": (18, 35),
    "36-55": (36, 55),
    "56-": (56, None),
}


@dataclass
class MemberFilter:
    """What the register page filters by; also what an export records."""

    q: str = ""
    branch: int | None = None
    status: str = ""
    flag: str = ""
    age: str = ""

    def as_record(self) -> dict[str, str]:
        """The filter as recorded with an export: the choices set, nothing else. Never the
        name searched for (personal data the user typed): only that there was one."""
        values = {
            "by_name": "yes" if self.q.strip() else "",
            "branch": str(self.branch or ""),
            "status": self.status,
            "flag": self.flag,
            "age": self.age,
        }
        return {key: value for key, value in values.items() if value}


def search_by_name(members: MemberQuerySet, text: str, *, indexed: bool = True) -> MemberQuerySet:
    """Members whose name contains every word typed, ignoring case and diacritics, whichever
    Unicode form the text comes in ("nguyen thi hoa" and "Hoà" both find "Nguyễn Thị Hoà").

    Each word is a LIKE '%word%' on the folded name, answered by the trigram indexes. When no
    word has three letters ("ly vy") there is no trigram to look up, and PostgreSQL, which
    thinks such a LIKE rare, would read a province's whole trigram index: the words are then
    matched by strpos(name_folded, word) > 0, the same test through an expression no index
    serves, and the name-order index is walked instead. With `indexed=False` every search goes
    that way, so a commune's few thousand members are read by branch."""
    words = fold(text).split()
    if indexed and any(len(word) >= TRIGRAM for word in words):
        for word in words:
            members = members.filter(name_folded__contains=word)
        return members
    for word in words:
        members = members.filter(GreaterThan(StrIndex("name_folded", Value(word)), 0))
    return members


TRIGRAM = 3


def filter_members(
    members: MemberQuerySet,
    wanted: MemberFilter,
    *,
    today: datetime.date | None = None,
    indexed: bool = True,
) -> MemberQuerySet:
    today = today or timezone.localdate()
    if wanted.q:
        members = search_by_name(members, wanted.q, indexed=indexed)
    if wanted.branch:
        members = members.filter(branch_id=wanted.branch)
    if wanted.status in MemberStatus.values:
        members = members.filter(status=wanted.status)
    if wanted.flag in _FLAG_FILTERS:
        members = members.filter(_FLAG_FILTERS[wanted.flag])
    if wanted.age in AGE_GROUPS:
        youngest, oldest = AGE_GROUPS[wanted.age]
        members = members.filter(birth_year__lte=today.year - youngest)
        if oldest is not None:
            members = members.filter(birth_year__gte=today.year - oldest)
    return members


def register_page(user: User, wanted: MemberFilter) -> MemberQuerySet:
    """The register as the page lists it: the user's members, filtered, named ones only, in
    the order of their folded names (then id)."""
    members, scope = member_scope(user)
    members = filter_members(
        members.named().select_related("branch"), wanted, indexed=scope != Scope.BRANCHES
    )
    if wanted.q and scope != Scope.PROVINCES:
        # The same order, through an expression no index serves: PostgreSQL must then find
        # the matches first (trigram or branch indexes) and sort them, instead of walking the
        # national name-order index hoping to meet 51 matches early. A province's officer
        # keeps the plain order: the province's own name-order index, read alone, is then a
        # fair choice next to its trigram index (members/search_index.py).
        return members.order_by(Lower("name_folded"), "pk")
    return members.order_by("name_folded", "pk")


def register_rows(user: User, wanted: MemberFilter, start: int, stop: int) -> list[Member]:
    """Rows start..stop of the register page, in two steps: the ids first, a query that needs
    only what the province's name-order index carries (name, id, anonymised_at, branch), so
    PostgreSQL can answer it from that index alone; then those members with their branches."""
    ids = list(register_page(user, wanted).values_list("pk", flat=True)[start:stop])
    found = Member.objects.select_related("branch").in_bulk(ids)
    return [found[pk] for pk in ids]


def active_counts_by_branch(user: User) -> list[tuple[Unit, int]]:
    """Active members of each branch the user sees (anonymised ones included: they count)."""
    counts = dict(
        visible_members(user).active().values_list("branch").annotate(n=Count("pk")).order_by()
    )
    return [(branch, counts.get(branch.pk, 0)) for branch in visible_branches(user)]


# --- Figures from the register ------------------------------------------------------------
#
# Computed from the memberships (one row per stretch of a member in a branch), so a move, a
# departure or a death changes the figures only from its date on:
#   - new members of a period: memberships that began by joining the Union in the period;
#   - active members on a day: memberships begun on or before it and not ended by it.


def _memberships_under(unit: Unit) -> QuerySet[Membership]:
    return Membership.objects.filter(branch__path__startswith=unit.path)


def new_members(unit: Unit, start: datetime.date, end: datetime.date) -> int:
    """Members who joined the Union in a branch under `unit` between `start` and `end`."""
    return (
        _memberships_under(unit)
        .filter(joined=True, started_on__gte=start, started_on__lte=end)
        .count()
    )


def _active_on(memberships: QuerySet[Membership], day: datetime.date) -> QuerySet[Membership]:
    return memberships.filter(Q(ended_on__isnull=True) | Q(ended_on__gt=day), started_on__lte=day)


def active_members_on(unit: Unit, day: datetime.date) -> int:
    """Members counted in a branch under `unit` at the end of `day`."""
    return _active_on(_memberships_under(unit), day).count()


def register_counts(unit: Unit, start: datetime.date, end: datetime.date) -> tuple[int, int] | None:
    """(new_members, active_members_on `end`) in one query; None when the unit's branches keep
    no register in the portal (nobody ever entered under it)."""
    found = _memberships_under(unit).aggregate(
        kept=Count("pk"),
        new=Count("pk", filter=Q(joined=True, started_on__gte=start, started_on__lte=end)),
        active=Count(
            "pk", filter=(Q(ended_on__isnull=True) | Q(ended_on__gt=end)) & Q(started_on__lte=end)
        ),
    )
    return (found["new"], found["active"]) if found["kept"] else None


@dataclass
class RegisterFigures:
    unit: Unit
    new_members: int
    active_at_end: int


def register_figures_by_child(
    unit: Unit, start: datetime.date, end: datetime.date
) -> list[RegisterFigures]:
    """The unit's figures and each current child's, for the months of `start` to `end`: new
    members in those months and active members at the end of the last one, read from the
    branches' monthly counts (members/month_counts.py: a few rows per branch, whatever the
    number of members) and summed by child along the branches' paths."""
    first, last = month_start(start), month_start(end)
    counts = month_counts.figures_by_child(unit, first, last)
    rows = [unit, *current_children(unit, month_end(last))]
    joined_total = sum(joined for joined, _active in counts.values())
    active_total = sum(active for _joined, active in counts.values())
    return [
        RegisterFigures(unit, joined_total, active_total),
        *(RegisterFigures(u, *counts.get(u.pk, (0, 0))) for u in rows[1:]),
    ]


def live_register_figures_by_child(
    unit: Unit, start: datetime.date, end: datetime.date
) -> list[RegisterFigures]:
    """The same figures counted from the memberships (two grouped queries over every
    membership under the unit, seconds for a province at national scale): the reference the
    monthly counts are tested and benchmarked against. Days, not months: new members between
    `start` and `end`, active at the end of `end`."""
    under = _memberships_under(unit)
    joined = (
        under.filter(joined=True, started_on__gte=start, started_on__lte=end)
        .values_list("branch__path")
        .annotate(n=Count("pk"))
        .order_by()
    )
    active = _active_on(under, end).values_list("branch__path").annotate(n=Count("pk")).order_by()
    joined_by_path, active_by_path = dict(joined), dict(active)

    def total(counts: dict[str, int], prefix: str) -> int:
        return sum(n for path, n in counts.items() if path.startswith(prefix))

    rows = [unit, *current_children(unit, end)]
    return [
        RegisterFigures(u, total(joined_by_path, u.path), total(active_by_path, u.path))
        for u in rows
    ]
