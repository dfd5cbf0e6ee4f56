"""Who may import, for which units, and which batches they see: by place in the hierarchy.

Importing is for the admin role: a user with an admin assignment imports for the units of
that subtree (a province admin for the province and its communes); a superuser for any unit.
"""

from __future__ import annotations

from django.http import Http404

from accounts.models import Role, User
from accounts.selectors import assignments_of
from imports.models import ImportBatch
from members.models import Unit, UnitQuerySet


def admin_units(user: User) -> UnitQuerySet:
    if not user.is_authenticated or not user.is_active:
        return Unit.objects.none()
    if user.is_superuser:
        return Unit.objects.all()
    roots = [a.unit for a in assignments_of(user) if a.role == Role.ADMIN]
    return Unit.objects.within_any(roots) if roots else Unit.objects.none()


def may_import(user: User) -> bool:
    return user.is_active and (
        user.is_superuser or user.assignments.filter(role=Role.ADMIN).exists()
    )


def batches_for(user: User) -> list[ImportBatch]:
    """The batches of units the user may import for (anyone's upload), newest first."""
    rows = ImportBatch.objects.select_related("unit", "program", "uploaded_by")
    if not user.is_superuser:
        rows = rows.filter(unit__in=admin_units(user))
    return list(rows[:100])


def batch_or_404(user: User, pk: int) -> ImportBatch:
    rows = ImportBatch.objects.select_related("unit", "program", "uploaded_by").filter(pk=pk)
    if not user.is_superuser:
        rows = rows.filter(unit__in=admin_units(user))
    batch = rows.first()
    if batch is None:
        raise Http404
    return batch
