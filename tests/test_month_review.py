"""The month page's review: locks, unlock traces, history of values, no lost updates."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from accounts import access
from accounts.models import Role
from indicators.cycle.entry import Entry, EntryError
from indicators.cycle.recording import record_results
from indicators.models import Indicator, Result, Submission, SubmissionEvent, SubmissionState
from programs.models import Program
from tests import factories
from tests.entry_posts import entry_post

pytestmark = pytest.mark.django_db
OCT = datetime.date(2025, 10, 1)


def url(unit) -> str:
    return reverse("indicators:entry_form", args=[unit.pk, "CTH", "2025-10"])


def field(unit, code: str) -> str:
    return f"value-{unit.pk}-{Indicator.objects.get(code=code).pk}"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def officer(khanh_hoa, catalog) -> Client:
    return client_for(khanh_hoa.commune_officer)


@pytest.fixture
def reviewer(khanh_hoa, catalog) -> Client:
    return client_for(khanh_hoa.province_reviewer)


def submission(khanh_hoa) -> Submission:
    return Submission.objects.get(unit=khanh_hoa.ba_ngoi, month=OCT, program__code="CTH")


def test_save_and_submit_locks_the_month_for_the_form(officer, khanh_hoa):
    entry_post(
        officer, url(khanh_hoa.ba_ngoi), {field(khanh_hoa.ba_ngoi, "H-01"): "3", "action": "submit"}
    )

    again = entry_post(officer, url(khanh_hoa.ba_ngoi), {field(khanh_hoa.ba_ngoi, "H-01"): "9"})
    page = officer.get(url(khanh_hoa.ba_ngoi)).content.decode()

    assert submission(khanh_hoa).state == SubmissionState.SUBMITTED
    assert again.status_code == 400 and "đã khóa" in again.content.decode()
    assert Result.objects.get().value == Decimal(3)
    assert "disabled" in page and "đang chờ cấp trên" in page


def test_a_locked_month_refuses_an_import_too(officer, khanh_hoa):
    entry_post(
        officer, url(khanh_hoa.ba_ngoi), {field(khanh_hoa.ba_ngoi, "H-01"): "3", "action": "submit"}
    )
    h01 = Indicator.objects.get(code="H-01")

    with pytest.raises(EntryError, match="đã khóa"):
        record_results([Entry(khanh_hoa.ba_ngoi, h01, OCT, value=Decimal(7))], source="import")

    assert Result.objects.get().value == Decimal(3)


def test_branch_figures_are_locked_with_their_commune(officer, khanh_hoa):
    entry_post(officer, url(khanh_hoa.ba_ngoi), {"action": "submit"})
    h09 = Indicator.objects.get(code="H-09")

    with pytest.raises(EntryError):
        record_results([Entry(khanh_hoa.ba_ngoi_branch, h09, OCT, value=Decimal(2))])


def test_reviewer_returns_with_a_comment_and_the_officer_edits_again(officer, reviewer, khanh_hoa):
    entry_post(
        officer, url(khanh_hoa.ba_ngoi), {field(khanh_hoa.ba_ngoi, "H-01"): "3", "action": "submit"}
    )

    empty = reviewer.post(url(khanh_hoa.ba_ngoi), {"action": "return", "comment": " "})
    assert submission(khanh_hoa).state == SubmissionState.SUBMITTED
    reviewer.post(url(khanh_hoa.ba_ngoi), {"action": "return", "comment": "H-01 thiếu 2 hộ"})
    entry_post(officer, url(khanh_hoa.ba_ngoi), {field(khanh_hoa.ba_ngoi, "H-01"): "5"})

    assert empty.status_code == 302
    assert submission(khanh_hoa).state == SubmissionState.DRAFT
    assert Result.objects.get().value == Decimal(5)
    page = officer.get(url(khanh_hoa.ba_ngoi)).content.decode()
    assert "H-01 thiếu 2 hộ" in page  # on the timeline


def test_unlock_needs_a_reason_leaves_a_trace_and_tags_the_corrections(
    officer, reviewer, khanh_hoa
):
    entry_post(
        officer, url(khanh_hoa.ba_ngoi), {field(khanh_hoa.ba_ngoi, "H-01"): "3", "action": "submit"}
    )
    reviewer.post(url(khanh_hoa.ba_ngoi), {"action": "approve"})
    reviewer.post(url(khanh_hoa.ba_ngoi), {"action": "unlock", "comment": ""})
    assert submission(khanh_hoa).state == SubmissionState.APPROVED

    reviewer.post(url(khanh_hoa.ba_ngoi), {"action": "unlock", "comment": "Sửa H-01 theo biên bản"})
    entry_post(
        officer,
        url(khanh_hoa.ba_ngoi),
        {field(khanh_hoa.ba_ngoi, "H-01"): "4", "version": submission(khanh_hoa).version},
    )

    unlock = SubmissionEvent.objects.get(action="unlock")
    assert (unlock.actor, unlock.comment) == (khanh_hoa.province_reviewer, "Sửa H-01 theo biên bản")
    reasons = list(
        Result.history.order_by("history_date").values_list("history_change_reason", flat=True)
    )
    assert reasons == ["form", "unlock"]


def test_history_keeps_who_when_old_and_new_from_the_form_and_an_import(officer, khanh_hoa):
    entry_post(officer, url(khanh_hoa.ba_ngoi), {field(khanh_hoa.ba_ngoi, "H-01"): "3"})
    h01 = Indicator.objects.get(code="H-01")
    record_results([Entry(khanh_hoa.ba_ngoi, h01, OCT, value=Decimal(6))], source="import")

    records = list(Result.history.order_by("history_date"))
    page = officer.get(url(khanh_hoa.ba_ngoi)).content.decode()

    assert [(r.value, r.history_change_reason) for r in records] == [
        (Decimal(3), "form"),
        (Decimal(6), "import"),
    ]
    assert records[0].history_user == khanh_hoa.commune_officer
    assert "nạp từ tệp" in page and "nhập trên biểu mẫu" in page


def test_the_second_of_two_officers_is_refused_and_told_what_changed(officer, khanh_hoa):
    colleague = factories.AssignmentFactory(
        user=factories.UserFactory(username="xa.bangoi2"), unit=khanh_hoa.ba_ngoi, role=Role.ENTRY
    ).user
    other = client_for(colleague)
    opened = 0  # both opened the empty month

    officer.post(url(khanh_hoa.ba_ngoi), {field(khanh_hoa.ba_ngoi, "H-01"): "3", "version": opened})
    late = other.post(
        url(khanh_hoa.ba_ngoi), {field(khanh_hoa.ba_ngoi, "H-01"): "8", "version": opened}
    )

    text = late.content.decode()
    assert late.status_code == 409
    assert "vừa được lưu bởi người khác" in text
    assert "H-01 · Ba Ngòi: – → 3 (xa.bangoi)" in text
    assert Result.objects.get().value == Decimal(3)


@pytest.mark.parametrize("version", [None, "", "abc", "-1", "１"])
def test_a_save_without_its_version_is_refused_and_writes_nothing(officer, khanh_hoa, version):
    """Without the version the concurrent-edit check cannot be made: a save overwriting a
    colleague's figures unseen is refused, whatever the post leaves out or garbles."""
    officer.post(url(khanh_hoa.ba_ngoi), {field(khanh_hoa.ba_ngoi, "H-01"): "3", "version": 0})
    data = {field(khanh_hoa.ba_ngoi, "H-01"): "8", "action": "submit"}
    if version is not None:
        data["version"] = version

    response = officer.post(url(khanh_hoa.ba_ngoi), data)

    assert response.status_code == 400
    assert "thiếu phiên bản của tháng" in response.content.decode()
    assert Result.objects.get().value == Decimal(3)
    assert Submission.objects.get().state == SubmissionState.DRAFT


def test_an_import_also_makes_an_open_form_stale(officer, khanh_hoa):
    h01 = Indicator.objects.get(code="H-01")
    record_results([Entry(khanh_hoa.ba_ngoi, h01, OCT, value=Decimal(6))], source="import")

    response = entry_post(
        officer, url(khanh_hoa.ba_ngoi), {field(khanh_hoa.ba_ngoi, "H-01"): "1", "version": 0}
    )

    assert response.status_code == 409


def test_a_reviewer_of_another_province_cannot_approve(officer, khanh_hoa):
    entry_post(officer, url(khanh_hoa.ba_ngoi), {"action": "submit"})
    outsider = factories.AssignmentFactory(
        user=factories.UserFactory(username="tinh.caobang"),
        unit=khanh_hoa.cao_bang,
        role=Role.REVIEWER,
    ).user

    response = client_for(outsider).post(url(khanh_hoa.ba_ngoi), {"action": "approve"})

    assert response.status_code == 404  # the commune is not even visible to them
    assert submission(khanh_hoa).state == SubmissionState.SUBMITTED


def test_the_officer_cannot_approve_their_own_month(officer, khanh_hoa):
    entry_post(officer, url(khanh_hoa.ba_ngoi), {"action": "submit"})

    assert officer.post(url(khanh_hoa.ba_ngoi), {"action": "approve"}).status_code == 403
    assert not access.can_review(khanh_hoa.commune_officer, khanh_hoa.ba_ngoi)
    assert Program.objects.get(code="CTH").due_day == 5


def test_load_results_is_refused_on_an_approved_month(officer, reviewer, khanh_hoa, tmp_path):
    from indicators.cycle.results_csv import ResultsFileError, load_results

    entry_post(
        officer, url(khanh_hoa.ba_ngoi), {field(khanh_hoa.ba_ngoi, "H-01"): "3", "action": "submit"}
    )
    reviewer.post(url(khanh_hoa.ba_ngoi), {"action": "approve"})
    csv = tmp_path / "ket-qua.csv"
    csv.write_text(
        "unit_code,indicator_code,month,value,numerator,denominator\n22735,H-01,2025-10,9,,\n",
        encoding="utf-8",
    )

    with pytest.raises(ResultsFileError, match="đã khóa"):
        load_results(csv)

    assert Result.objects.get().value == Decimal(3)
