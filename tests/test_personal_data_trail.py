"""The trail of personal data: members' history (erased by anonymisation), the logs of cards
opened and of exports (never the name searched for), export for the roles that keep the
register only, import files in storage with a short life, and access logs without query
strings."""

from __future__ import annotations

import datetime
import os
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from config import gunicorn
from members import import_files
from members.models import Member, MemberCardView, MemberExport
from members.services import anonymise_member
from tests import factories
from tests.foreign_rows import staff_of
from tests.test_member_import import GOOD

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _pending() -> list[str]:
    return import_files._files(import_files.FOLDER)


def test_a_members_changes_are_kept_with_who_made_them(khanh_hoa: Any) -> None:
    member = factories.member(khanh_hoa.ba_ngoi_branch, "Lê Thị Mai", birth_year=1979)
    officer = khanh_hoa.commune_officer

    _client(officer).post(
        reverse("members:member_detail", args=[member.pk]),
        {"full_name": "Lê Thị Mai", "birth_year": 1979, "ethnicity": "01",
         "phone": "0912 345 678", "joined_on": member.joined_on.isoformat()},
    )  # fmt: skip

    versions = list(member.history.order_by("history_date"))  # type: ignore[attr-defined]
    assert [v.phone for v in versions] == ["", "0912 345 678"]
    assert versions[-1].history_user == officer


def test_anonymisation_erases_the_history_too(khanh_hoa: Any) -> None:
    member = factories.member(khanh_hoa.ba_ngoi_branch, "Lê Thị Mai", phone="0912345678")

    anonymise_member(user=khanh_hoa.commune_officer, member=member)

    rows = member.history.values_list("full_name", "phone", "birth_year")  # type: ignore[attr-defined]
    assert set(rows) == {("—", "", None)}


def test_opening_a_card_is_logged_with_its_unit(khanh_hoa: Any) -> None:
    member = factories.member(khanh_hoa.ba_ngoi_branch)

    _client(khanh_hoa.branch_viewer).get(reverse("members:member_detail", args=[member.pk]))

    view = MemberCardView.objects.get()
    assert (view.user, view.member, view.unit) == (
        khanh_hoa.branch_viewer, member, khanh_hoa.ba_ngoi_branch,
    )  # fmt: skip


def test_an_export_records_its_unit_and_never_the_name_searched(khanh_hoa: Any) -> None:
    factories.member(khanh_hoa.ba_ngoi_branch, "Nguyễn Thị Hoà")

    _client(khanh_hoa.commune_officer).get(
        reverse("members:register_export"), {"q": "Nguyễn Thị Hoà"}
    )

    export = MemberExport.objects.get()
    assert export.unit == khanh_hoa.ba_ngoi and export.row_count == 1
    assert "Hoà" not in str(export.filters) and "Nguy" not in str(export.filters)


@pytest.mark.parametrize("who", ["branch_viewer", "province_reviewer"])
def test_viewers_and_reviewers_do_not_export_members(khanh_hoa: Any, who: str) -> None:
    factories.member(khanh_hoa.ba_ngoi_branch)
    client = _client(getattr(khanh_hoa, who))

    assert client.get(reverse("members:register_export")).status_code == 403
    assert 'id="export"' not in client.get(reverse("members:register")).content.decode()
    assert not MemberExport.objects.exists()


def test_logs_are_read_in_the_admin_by_scope(khanh_hoa: Any) -> None:
    member = factories.member(khanh_hoa.ba_ngoi_branch)
    _client(khanh_hoa.commune_officer).get(reverse("members:member_detail", args=[member.pk]))
    staff = _client(staff_of(khanh_hoa.province))

    page = staff.get(reverse("admin:members_membercardview_changelist"))
    other = _client(staff_of(khanh_hoa.cao_bang, "qt.caobang"))
    elsewhere = other.get(reverse("admin:members_membercardview_changelist"))

    assert list(page.context["cl"].queryset) == list(MemberCardView.objects.all())
    assert list(elsewhere.context["cl"].queryset) == []


def test_an_admin_export_of_members_is_recorded(khanh_hoa: Any) -> None:
    factories.member(khanh_hoa.ba_ngoi_branch)
    staff = _client(staff_of(khanh_hoa.province))
    url = reverse("admin:members_member_export")
    form = staff.get(url).context["form"]
    fields = {name: "on" for name in form.fields if name.startswith("memberresource_")}

    response = staff.post(url, {**fields, "format": "0", "resource": "0"})

    assert response.status_code == 200
    export = MemberExport.objects.get()
    assert (export.source, export.row_count, export.unit) == ("admin", 1, khanh_hoa.province)


# --- Import files ------------------------------------------------------------------------


def _preview(client: Client, branch: Any, content: bytes = GOOD) -> Any:
    import io

    return client.post(
        reverse("members:register_import"), {"branch": branch.pk, "file": io.BytesIO(content)}
    )


def test_an_import_file_waits_in_storage_not_in_the_session(khanh_hoa: Any) -> None:
    client = _client(khanh_hoa.commune_officer)
    branch = khanh_hoa.ba_ngoi_branch

    _preview(client, branch)

    assert len(_pending()) == 1
    assert all(len(str(value)) < 200 for value in client.session.values())  # a name, no file
    client.post(reverse("members:register_import"), {"branch": branch.pk, "confirm": "1"})
    assert _pending() == [] and Member.objects.count() == 2


def test_a_cancelled_or_refused_import_file_is_deleted(khanh_hoa: Any) -> None:
    client = _client(khanh_hoa.commune_officer)

    _preview(client, khanh_hoa.ba_ngoi_branch)
    client.post(reverse("members:register_import"), {"cancel": "1"})
    assert _pending() == []

    _preview(client, khanh_hoa.ba_ngoi_branch, b"not a workbook")
    assert _pending() == []


def test_expired_import_files_are_swept_and_not_read(khanh_hoa: Any, settings: Any) -> None:
    client = _client(khanh_hoa.commune_officer)
    branch = khanh_hoa.ba_ngoi_branch
    _preview(client, branch)
    (name,) = _pending()
    old = (datetime.datetime.now() - datetime.timedelta(hours=2)).timestamp()
    os.utime(default_storage.path(name), (old, old))

    confirmed = client.post(
        reverse("members:register_import"), {"branch": branch.pk, "confirm": "1"}
    )
    assert not Member.objects.exists() and confirmed.status_code != 302

    _preview(client, branch)
    (name,) = _pending()
    os.utime(default_storage.path(name), (old, old))
    assert import_files.sweep_expired() == 1 and _pending() == []


def test_anonymisation_reaches_a_pending_import_file(khanh_hoa: Any) -> None:
    client = _client(khanh_hoa.commune_officer)
    member = factories.member(khanh_hoa.ba_ngoi_branch, "Lê Thị Mai")
    _preview(client, khanh_hoa.ba_ngoi_branch)

    anonymise_member(user=khanh_hoa.commune_officer, member=member)

    assert _pending() == []


def test_the_access_log_has_paths_without_query_strings() -> None:
    fmt = gunicorn.access_log_format
    assert "%(U)s" in fmt
    assert not any(part in fmt for part in ("%(r)s", "%(q)s", "%(f)s"))
