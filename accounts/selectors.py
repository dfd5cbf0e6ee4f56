"""Scope: which units a user may see or edit. Every query that returns units, values, members
or reports starts from here."""

from __future__ import annotations

from django.http import Http404

from accounts.models import EDITING_ROLES, Assignment, User
from members.models import Unit, UnitQuerySet


def assignments_of(user: User) -> list[Assignment]:
    return list(user.assignments.select_related("unit").order_by("unit__depth", "unit__name"))


def visible_units(user: User) -> UnitQuerySet:
    """Units the user may see: the subtrees of their assignments (everything for a superuser)."""
    if not user.is_authenticated or not user.is_active:
        return Unit.objects.none()
    if user.is_superuser:
        return Unit.objects.all()
    return Unit.objects.within_any(a.unit for a in assignments_of(user))


def editable_units(user: User) -> UnitQuerySet:
    """Units whose figures the user may change: subtrees of their entry and admin assignments."""
    if not user.is_authenticated or not user.is_active:
        return Unit.objects.none()
    if user.is_superuser:
        return Unit.objects.all()
    units = [a.unit for a in assignments_of(user) if a.role in EDITING_ROLES]
    return Unit.objects.within_any(units)


def visible_unit_or_404(user: User, pk: int) -> Unit:
    """The unit if the user may see it; otherwise 404, as if it did not exist."""
    unit = visible_units(user).filter(pk=pk).first()
    if unit is None:
        raise Http404
    return unit


def can_see(user: User, unit: Unit) -> bool:
    return visible_units(user).filter(pk=unit.pk).exists()
