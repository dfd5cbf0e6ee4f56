"""What the menu of every page offers the user (templates/base.html), by accounts.access."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import get_script_prefix, reverse
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


#: The menu's addresses (templates/base.html), by URL name. They take no argument, so they are
#: the same on every page: reversed once per process and script prefix, not ~12 times a page
#: (each reverse() costs 50-190 µs; together about 0.7 ms of every page).
# The brand's link to the home page stays a {% url %}: the 500 page renders base.html without
# context processors.
NAV_URLS = (
    "indicators:dashboard_start",
    "indicators:entry_start",
    "indicators:review_start",
    "reports:report_list",
    "programs:activity_list",
    "imports:import_list",
    "members:register",
    "guide:index",
    "password_change",
    "admin:index",
    "logout",
    "set_language",
)
_nav_by_prefix: dict[str, dict[str, str]] = {}


def nav(request: HttpRequest) -> dict[str, object]:
    """`nav.<name>`: the menu's addresses, `:` in the URL name written `_` (`nav.home_home`)."""
    prefix = get_script_prefix()
    urls = _nav_by_prefix.get(prefix)
    if urls is None:
        urls = {name.replace(":", "_"): reverse(name) for name in NAV_URLS}
        _nav_by_prefix[prefix] = urls
    return {"nav": urls}
