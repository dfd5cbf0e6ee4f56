"""The batches a user sees: those of the units they may import for.

Importing is for the admin role (accounts.access, Action.IMPORT): a user with an admin
assignment imports for the units of that subtree (a province admin for the province and its
communes); a superuser for any unit.
"""

from __future__ import annotations

from django.http import Http404

from accounts import access
from accounts.models import User
from imports.models import ImportBatch


def batches_for(user: User) -> list[ImportBatch]:
    """The batches of units the user may import for (anyone's upload), newest first."""
    rows = ImportBatch.objects.select_related("unit", "program", "uploaded_by")
    return list(access.scoped(rows, user, access.Action.IMPORT)[:100])


def batch_or_404(user: User, pk: int) -> ImportBatch:
    rows = ImportBatch.objects.select_related("unit", "program", "uploaded_by").filter(pk=pk)
    batch = access.scoped(rows, user, access.Action.IMPORT).first()
    if batch is None:
        raise Http404
    return batch
