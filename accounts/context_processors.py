"""What the menu of every page offers the user (templates/base.html), by accounts.access."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from accounts import access


def menu(request: HttpRequest) -> dict[str, object]:
    """`menu.<action>` (e.g. `menu.review`) is true when the user may do that action for some
    unit; read once per page, and only by a page that shows the menu."""
    user = getattr(request, "user", None)

    def rights() -> dict[str, bool]:
        granted = access.actions_anywhere(user) if user is not None else frozenset()
        return {action.value: action in granted for action in access.Action}

    return {"menu": SimpleLazyObject(rights)}
