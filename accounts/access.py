"""Who may do what, for which units: the one place a permission is decided.

A user acts through their assignments (a unit and a role). Each action is granted by some
roles, and reaches from the assigned unit either over its whole subtree, over its children
only, or over that unit alone (the RULES table below). Two rules hold for every action and are
written here once:
- a user who is not active (or not logged in) may do nothing;
- an active superuser may do everything, everywhere.

Views open the units they act on through `unit_or_404`: a unit the user may not act on and a
unit that does not exist give the same Http404, so an id tells nobody what exists elsewhere.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, QuerySet
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import Http404
from django.utils import timezone

from accounts.models import Assignment, Role, User
from members.models import Unit, UnitQuerySet


class Action(enum.Enum):
    SEE = "see"  # open the unit's pages, figures, reports, members and activities
    ENTER = "enter"  # save and submit the unit's monthly figures; record its activities
    REVIEW = "review"  # approve, return and unlock the unit's months
    SET_TARGETS = "set_targets"  # split the unit's targets among its children
    IMPORT = "import"  # import legacy files for the unit
    EDIT_MEMBERS = "edit_members"  # add, change and move the members of the unit's branches
    EXPORT_MEMBERS = "export_members"  # download the members of the unit's branches as a file
    ADMINISTER = "administer"  # change the unit's rows in the Django admin (/quan-tri/)


class Reach(enum.Enum):
    SUBTREE = "subtree"  # the assigned unit and every unit under it
    CHILDREN = "children"  # the assigned unit's children, not the unit itself
    UNIT = "unit"  # the assigned unit itself only


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str]
    reach: Reach


EDITING_ROLES = frozenset({Role.ENTRY, Role.ADMIN})
REVIEWING_ROLES = frozenset({Role.REVIEWER, Role.ADMIN})

RULES: dict[Action, Rule] = {
    # Any role sees its unit and everything under it.
    Action.SEE: Rule(frozenset(Role), Reach.SUBTREE),
    # Entry and admin officers change the figures of their unit and the units under it.
    Action.ENTER: Rule(EDITING_ROLES, Reach.SUBTREE),
    Action.EDIT_MEMBERS: Rule(EDITING_ROLES, Reach.SUBTREE),
    # A month is reviewed one level up: by the reviewers of the unit's parent (the district
    # before 2025-07, the province after), not by those higher still, so a province reviewer
    # does not review a pre-2025 commune whose parent is a district.
    Action.REVIEW: Rule(REVIEWING_ROLES, Reach.CHILDREN),
    # The reviewers of a unit split its own targets among its children.
    Action.SET_TARGETS: Rule(REVIEWING_ROLES, Reach.UNIT),
    # Importing is for the admin role, over the admin's subtree.
    Action.IMPORT: Rule(frozenset({Role.ADMIN}), Reach.SUBTREE),
    # A file of members is personal data leaving the portal: only the roles that keep the
    # register (entry officers, who hand lists to branch meetings, and admins) may take one.
    # Viewers and reviewers read figures and cards on screen; they have no task that needs a
    # copy of the register, so they get none.
    Action.EXPORT_MEMBERS: Rule(EDITING_ROLES, Reach.SUBTREE),
    # Changing rows in the Django admin (schedules, targets, units, users, assignments) is for
    # the admin role over its subtree; reading them there follows SEE, like the pages.
    Action.ADMINISTER: Rule(frozenset({Role.ADMIN}), Reach.SUBTREE),
}

# Roles from the least to the most: whoever grants a role must hold it or a higher one over the
# unit (may_grant). Entry below review: a reviewer approves what entry officers save.
ROLE_ORDER: tuple[str, ...] = (Role.VIEWER, Role.ENTRY, Role.REVIEWER, Role.ADMIN)


def is_active(user: User) -> bool:
    """Whether the user may act at all: logged in and not deactivated."""
    return bool(user.is_authenticated and user.is_active)


def is_unrestricted(user: User) -> bool:
    """An active superuser: every action on every unit (pages offer them the top levels only)."""
    return is_active(user) and user.is_superuser


def assignments_for(user: User, action: Action) -> QuerySet[Assignment]:
    """The user's own assignments that grant `action`, highest first; none when inactive.

    By assignment even for a superuser: for what is personal (a reviewer's queue on the home
    page, the unit a page opens on), not for what they may do."""
    if not is_active(user):
        return Assignment.objects.none()
    return (
        Assignment.objects.filter(user=user, role__in=RULES[action].roles)
        .select_related("unit")
        .order_by("unit__depth", "unit__name")
    )


def assigned_unit_ids(user: User, action: Action) -> set[int] | None:
    """The ids of the units assigned to the user with a role granting `action`; None means
    every unit (an active superuser). With REVIEW: the units whose children they review."""
    if not is_active(user):
        return set()
    if user.is_superuser:
        return None
    held = held_for(user, action)
    if held is not None:  # the request's assignments, already read
        return {a.unit_id for a in held}
    return set(assignments_for(user, action).values_list("unit_id", flat=True))


# Inside a request (config.middleware.remember_assignments): each user's assignments, read once.
# A page asks `can` and `units_for` several times (the view, its links, the menu): one query
# then answers them all. Outside a request (tasks, commands, tests calling these functions) nothing
# is remembered; a saved or deleted assignment forgets everything remembered.
Held = tuple[Assignment, ...]
_HELD: ContextVar[dict[int, Held] | None] = ContextVar("held_assignments", default=None)


@contextmanager
def remembered_assignments() -> Iterator[None]:
    """Within the block, each user's assignments are read once (see `can`)."""
    token = _HELD.set({})
    try:
        yield
    finally:
        _HELD.reset(token)


@receiver(post_save, sender=Assignment)
@receiver(post_delete, sender=Assignment)
def _forget_assignments(**_kwargs: Any) -> None:
    held = _HELD.get()
    if held is not None:
        held.clear()


def _held(user: User) -> Held | None:
    """The user's assignments (with their units) when remembered for the request, else None."""
    memo = _HELD.get()
    if memo is None:
        return None
    if user.pk not in memo:
        memo[user.pk] = tuple(Assignment.objects.filter(user=user).select_related("unit"))
    return memo[user.pk]


def sole_assignment_of(user: User) -> list[Assignment] | None:
    """Every assignment of the user (any role, active or not) as read once for the request,
    when they are at most one, so in any order; None otherwise and outside a request. What
    accounts.selectors.assignments_of reads for most users, without a second query of the
    same rows. (Not ordered by the database for several: an ORDER BY on every request's read
    costs more than that query, and Python does not sort names as the database's collation.)"""
    held = _held(user)
    return None if held is None or len(held) > 1 else list(held)


def held_for(user: User, action: Action) -> list[Assignment] | None:
    """The user's assignments that grant `action` (assignments_for, unordered) from those read
    once for the request, with their units; None outside a request (ask assignments_for)."""
    held = _held(user) if is_active(user) else ()
    if held is None:
        return None
    return [a for a in held if a.role in RULES[action].roles]


def can(user: User, action: Action, unit: Unit) -> bool:
    """Whether the user may do `action` for `unit` (one query, none for a superuser; inside a
    request, one query for all the checks of the request)."""
    if not is_active(user):
        return False
    if user.is_superuser:
        return True
    rule = RULES[action]
    if rule.reach is Reach.SUBTREE:
        # The unit's path lists its ancestors' ids: assigned there or above.
        places = {*unit.ancestor_ids(), unit.pk}
    elif rule.reach is Reach.CHILDREN:
        if unit.parent_id is None:
            return False
        places = {unit.parent_id}
    else:
        places = {unit.pk}
    held = _held(user)
    if held is not None:
        return any(a.unit_id in places and a.role in rule.roles for a in held)
    return Assignment.objects.filter(unit_id__in=places, user=user, role__in=rule.roles).exists()


def can_all(user: User, action: Action, units: Iterable[Unit]) -> bool:
    """Whether the user may do `action` for every one of `units`: `can` for each, with no
    query inside a request (its assignments read once) and one at most outside."""
    units = list(units)
    if not units or not is_active(user) or user.is_superuser or _held(user) is not None:
        return all(can(user, action, unit) for unit in units)
    ids = {unit.pk for unit in units}
    return units_for(user, action).filter(pk__in=ids).count() == len(ids)


def can_see(user: User, unit: Unit) -> bool:
    return can(user, Action.SEE, unit)


def can_enter(user: User, unit: Unit) -> bool:
    return can(user, Action.ENTER, unit)


def can_review(user: User, unit: Unit) -> bool:
    return can(user, Action.REVIEW, unit)


def can_set_targets(user: User, unit: Unit) -> bool:
    return can(user, Action.SET_TARGETS, unit)


def can_import(user: User, unit: Unit) -> bool:
    return can(user, Action.IMPORT, unit)


def can_edit_members(user: User, unit: Unit) -> bool:
    return can(user, Action.EDIT_MEMBERS, unit)


def may_anywhere(user: User, action: Action) -> bool:
    """Whether the user may do `action` for some unit (e.g. whether the import pages open)."""
    return is_unrestricted(user) or assignments_for(user, action).exists()


def actions_anywhere(user: User) -> frozenset[Action]:
    """Every action the user may do for some unit (one query): what the menu offers, by the
    same rules as the pages it leads to."""
    if not is_active(user):
        return frozenset()
    if user.is_superuser:
        return frozenset(Action)
    held = _held(user)
    if held is not None:
        roles = {a.role for a in held}
    else:
        roles = set(Assignment.objects.filter(user=user).values_list("role", flat=True))
    return frozenset(action for action, rule in RULES.items() if roles & rule.roles)


def units_for(user: User, action: Action) -> UnitQuerySet:
    """Every unit the user may do `action` for."""
    if not is_active(user):
        return Unit.objects.none()
    if user.is_superuser:
        return Unit.objects.all()
    rule = RULES[action]
    held = _held(user)
    if held is not None:  # the request's assignments, already read
        return _units_of([a for a in held if a.role in rule.roles], rule.reach)
    assigned = assignments_for(user, action)
    if rule.reach is Reach.SUBTREE:
        return Unit.objects.within_any(a.unit for a in assigned)
    ids = assigned.values("unit_id")
    if rule.reach is Reach.CHILDREN:
        return Unit.objects.filter(parent_id__in=ids)
    return Unit.objects.filter(pk__in=ids)


def _units_of(assigned: list[Assignment], reach: Reach) -> UnitQuerySet:
    """units_for from assignments in hand: the same units, no query for the assignments."""
    if reach is Reach.SUBTREE:
        return Unit.objects.within_any(a.unit for a in assigned)
    ids = [a.unit_id for a in assigned]
    if reach is Reach.CHILDREN:
        return Unit.objects.filter(parent_id__in=ids)
    return Unit.objects.filter(pk__in=ids)


def sole_unit_for(user: User, action: Action, level: str) -> Unit | None:
    """`units_for(user, action).filter(level=level).current().first()` with no query, when the
    request's assignments tell it: the user's one assignment granting `action` is a unit of
    `level` valid today, reached itself (a subtree below a unit holds no unit of its level). An
    officer of one commune opening the entry form. None when they do not tell (outside a
    request, a superuser, several or none such assignments, another level): ask the query."""
    if not is_active(user) or user.is_superuser or RULES[action].reach is Reach.CHILDREN:
        return None
    held = held_for(user, action)
    if held is None or len({a.unit_id for a in held}) != 1:
        return None
    unit = held[0].unit
    if unit.level != level or not unit.is_valid_on(timezone.localdate()):
        return None
    return unit


def visible_units(user: User) -> UnitQuerySet:
    """Units the user may see: the subtrees of their assignments (everything for a superuser).
    Every query that returns units, values, members or reports starts from here."""
    return units_for(user, Action.SEE)


def visible_ancestors(user: User, unit: Unit) -> list[Unit]:
    """The unit's ancestors the user may see, from the top (a page's breadcrumb): the same as
    `visible_units(user).ancestors_of(unit)`, with no query inside a request when those are
    none or assigned units only (a reviewer on their own unit's pages, or one level down)."""
    held = _held(user) if is_active(user) and not user.is_superuser else None
    if held is None:
        return list(visible_units(user).ancestors_of(unit))
    seen = {a.unit_id: a.unit for a in held if a.role in RULES[Action.SEE].roles}
    ids = unit.ancestor_ids()
    # SEE reaches a subtree: the ancestors from the highest one assigned down.
    first = next((i for i, pk in enumerate(ids) if pk in seen), len(ids))
    ids = ids[first:]
    if all(pk in seen for pk in ids):
        return [seen[pk] for pk in ids]
    return list(visible_units(user).filter(pk__in=ids).order_by("depth"))


def scoped[M: Model](
    rows: QuerySet[M], user: User, action: Action, *, field: str = "unit"
) -> QuerySet[M]:
    """`rows` whose `field` is a unit the user may do `action` for. Unfiltered for a superuser,
    so that rows with no unit at all (an import not yet tied to one) stay theirs."""
    if is_unrestricted(user):
        return rows
    return rows.filter(**{f"{field}__in": units_for(user, action)})


def may_grant(user: User, unit: Unit, role: str) -> bool:
    """Whether the user may give someone `role` on `unit` (or take it away): an active
    superuser always; anyone else only with the admin role over the unit (ADMINISTER) and a
    role of their own over it at least as high as `role` (ROLE_ORDER), so nobody hands out
    more than they hold or reaches outside their subtree."""
    if not is_active(user):
        return False
    if user.is_superuser:
        return True
    if role not in ROLE_ORDER or not can(user, Action.ADMINISTER, unit):
        return False
    held = Assignment.objects.filter(
        user=user, unit_id__in=[*unit.ancestor_ids(), unit.pk]
    ).values_list("role", flat=True)
    return any(ROLE_ORDER.index(r) >= ROLE_ORDER.index(role) for r in held if r in ROLE_ORDER)


def unit_or_404(user: User, pk: int, *, for_: Action = Action.SEE) -> Unit:
    """The unit if the user may do `for_` for it; otherwise 404, exactly as if it did not
    exist."""
    if is_active(user) and not user.is_superuser and _held(user) is not None:
        # Inside a request: the unit by its id and `can` on the assignments in hand, the same
        # answer as the query of units_for (the subtrees' paths) for less of Django's time.
        unit = Unit.objects.filter(pk=pk).first()
        if unit is None or not can(user, for_, unit):
            raise Http404
        return unit
    unit = units_for(user, for_).filter(pk=pk).first()
    if unit is None:
        raise Http404
    return unit
