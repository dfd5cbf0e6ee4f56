"""Plain reads of users' assignments. Who may do what is decided in accounts/access.py."""

from __future__ import annotations

from accounts import access
from accounts.models import Assignment, User


def assignments_of(user: User) -> list[Assignment]:
    """Every assignment of the user, highest unit first: the units their pages start from."""
    held = access.sole_assignment_of(user)  # one or none, inside a request: already read
    if held is not None:
        return held
    return list(user.assignments.select_related("unit").order_by("unit__depth", "unit__name"))
