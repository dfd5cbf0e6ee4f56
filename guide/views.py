"""The user guide (Hướng dẫn): one page per kind of user, with screenshots that the browser
tests take (tests/browser/test_guide.py writes static/guide/*.png), so the guide shows the
screens as they are. Open to everyone: it holds no data, and the login page's troubles
(a forgotten password) are in it."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

ROLES = {
    "can-bo-xa": _("Cán bộ Hội LHPN xã/phường"),
    "can-bo-tinh": _("Cán bộ tỉnh: duyệt số liệu và theo dõi"),
    "quan-tri": _("Quản trị viên"),
}


def index(request: HttpRequest) -> HttpResponse:
    return render(request, "guide/index.html", {"roles": ROLES})


def role_page(request: HttpRequest, role: str) -> HttpResponse:
    if role not in ROLES:
        raise Http404
    return render(
        request, f"guide/{role}.html", {"roles": ROLES, "role": role, "title": ROLES[role]}
    )
