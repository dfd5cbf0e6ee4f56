"""The reviewer's month before the 2025 reform: two districts of Khánh Hòa, who may review
whom, completeness and timeliness counted by hand, bulk review, the officer's reminders."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import access
from accounts.models import Role, User
from indicators.cycle import review
from indicators.figures import completeness
from indicators.figures.completeness import MonthStatus
from indicators.models import Submission, SubmissionEvent, SubmissionState
from indicators.selectors import reminders_for
from members.models import Level, Unit
from programs.models import Program
from tests import factories

pytestmark = pytest.mark.django_db
OCT_2024 = datetime.date(2024, 10, 1)  # due on 05/11/2024
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass
class Tree:
    province: Unit
    nha_trang: Unit  # district A
    cam_lam: Unit  # district B
    vinh_hai: Unit
    loc_tho: Unit
    phuoc_long: Unit
    cam_hai_dong: Unit
    suoi_tan: Unit
    program: Program


def _district(parent: Unit, name: str, code: str) -> Unit:
    return factories.UnitFactory(level=Level.DISTRICT, name=name, code=code, parent=parent)


@pytest.fixture
def tree(db: None) -> Tree:
    province = factories.province("Tỉnh Khánh Hòa", "56")
    nha_trang = _district(province, "Thành phố Nha Trang", "568")
    cam_lam = _district(province, "Huyện Cam Lâm", "576")
    return Tree(
        province=province,
        nha_trang=nha_trang,
        cam_lam=cam_lam,
        vinh_hai=factories.commune(nha_trang, "Phường Vĩnh Hải", "22330"),
        loc_tho=factories.commune(nha_trang, "Phường Lộc Thọ", "22363"),
        phuoc_long=factories.commune(nha_trang, "Phường Phước Long", "22381"),
        cam_hai_dong=factories.commune(cam_lam, "Xã Cam Hải Đông", "22768"),
        suoi_tan=factories.commune(cam_lam, "Xã Suối Tân", "22783"),
        program=factories.ProgramFactory(),
    )


def _user(username: str, unit: Unit, role: Role) -> User:
    return factories.AssignmentFactory(
        user=factories.UserFactory(username=username), unit=unit, role=role
    ).user


def _month(tree: Tree, unit: Unit, state: str, first_sent: str | None = None) -> Submission:
    """A month in `state`, first sent at `first_sent` (local time, "2024-11-03 09:00")."""
    sent = datetime.datetime.fromisoformat(first_sent).replace(tzinfo=HANOI) if first_sent else None
    return Submission.objects.create(
        unit=unit, program=tree.program, month=OCT_2024, state=state, version=2,
        submitted_at=sent, first_submitted_at=sent,
    )  # fmt: skip


@pytest.fixture
def october(tree: Tree) -> Tree:
    _month(tree, tree.vinh_hai, SubmissionState.APPROVED, "2024-11-03 09:00")
    _month(tree, tree.loc_tho, SubmissionState.SUBMITTED, "2024-11-08 14:00")  # late
    # Phước Long: nothing at all.
    _month(tree, tree.cam_hai_dong, SubmissionState.RETURNED, "2024-11-04 08:00")
    _month(tree, tree.suoi_tan, SubmissionState.SUBMITTED, "2024-11-05 23:30")  # the due day
    return tree


# --- completeness and timeliness --------------------------------------------------------------


def test_counts_by_hand_for_each_district_and_the_province(october):
    overview = completeness.overview(october.province, october.program, OCT_2024)
    rows = {row.unit.name: row.counts for row in overview.rows}

    # Nha Trang: 3 communes; approved (on time) + submitted late are complete, 1 on time.
    nha_trang = rows["Thành phố Nha Trang"]
    assert (nha_trang.expected, nha_trang.complete, nha_trang.on_time) == (3, 2, 1)
    assert (str(nha_trang.completeness), str(nha_trang.timeliness)) == ("66.7", "33.3")
    # Cam Lâm: returned is not complete (even though first sent on time); Suối Tân on the day.
    cam_lam = rows["Huyện Cam Lâm"]
    assert (cam_lam.expected, cam_lam.complete, cam_lam.on_time) == (2, 1, 1)
    assert (str(cam_lam.completeness), str(cam_lam.timeliness)) == ("50.0", "50.0")
    # The province adds its districts up, like an indicator.
    total = overview.total
    assert (total.expected, total.complete, total.on_time) == (5, 3, 2)
    assert (str(total.completeness), str(total.timeliness)) == ("60.0", "40.0")
    assert dict(total.by_status) == {
        MonthStatus.APPROVED: 1,
        MonthStatus.LATE: 1,
        MonthStatus.NOT_STARTED: 1,
        MonthStatus.RETURNED: 1,
        MonthStatus.ON_TIME: 1,
    }


def test_a_district_lists_its_communes_with_their_status(october):
    overview = completeness.overview(october.nha_trang, october.program, OCT_2024)

    assert [(row.unit.name, row.status) for row in overview.rows] == [
        ("Phường Lộc Thọ", MonthStatus.LATE),
        ("Phường Phước Long", MonthStatus.NOT_STARTED),
        ("Phường Vĩnh Hải", MonthStatus.APPROVED),
    ]
    assert overview.due == datetime.date(2024, 11, 5)


def test_the_due_day_is_the_programs(october):
    october.program.due_day = 10
    october.program.save()

    total = completeness.counts_for(october.province, october.program, OCT_2024)

    assert total.on_time == 3  # Lộc Thọ's 08/11 is now on time


def test_the_dashboards_counts_are_the_overviews_totals(october):
    """counts_for (the dashboards) counts without loading the communes: the same totals."""
    for unit in (october.province, october.nha_trang, october.cam_lam, october.loc_tho):
        counts = completeness.counts_for(unit, october.program, OCT_2024)
        assert counts == completeness.overview(unit, october.program, OCT_2024).total
    assert completeness.counts_for(october.province, october.program, OCT_2024).expected == 5


def test_a_month_saved_but_not_sent_is_a_draft_an_untouched_one_not_started(tree):
    _month(tree, tree.vinh_hai, SubmissionState.DRAFT)
    Submission.objects.create(unit=tree.loc_tho, program=tree.program, month=OCT_2024)

    statuses = {
        row.unit.name: row.status
        for row in completeness.overview(tree.nha_trang, tree.program, OCT_2024).rows
    }

    assert statuses["Phường Vĩnh Hải"] == MonthStatus.DRAFT
    assert statuses["Phường Lộc Thọ"] == MonthStatus.NOT_STARTED
    assert completeness.counts_for(tree.nha_trang, tree.program, OCT_2024).completeness == 0


def test_units_not_valid_in_the_month_are_not_expected(tree):
    tree.phuoc_long.valid_to = datetime.date(2024, 6, 30)
    tree.phuoc_long.save()

    assert completeness.counts_for(tree.nha_trang, tree.program, OCT_2024).expected == 2


# --- who may do what, by place in the hierarchy ---------------------------------------------


@pytest.fixture
def people(tree: Tree) -> dict[str, User]:
    return {
        "district_a": _user("huyen.nhatrang", tree.nha_trang, Role.REVIEWER),
        "district_b": _user("huyen.camlam", tree.cam_lam, Role.REVIEWER),
        "province": _user("tinh.khanhhoa", tree.province, Role.REVIEWER),
        "viewer_a": _user("xem.nhatrang", tree.nha_trang, Role.VIEWER),
        "officer": _user("xa.lactho", tree.loc_tho, Role.ENTRY),
        "other_officer": _user("xa.vinhhai", tree.vinh_hai, Role.ENTRY),
    }


def _act(action: str, user: User, submission: Submission) -> Submission:
    if action == "submit":
        return review.submit(user=user, submission=submission)
    if action == "approve":
        return review.approve(user=user, submission=submission)
    if action == "return":
        return review.return_to_unit(user=user, submission=submission, comment="Thiếu số liệu")
    return review.unlock(user=user, submission=submission, reason="Sửa theo biên bản")


# (state before, action, who, state after or None when refused)
TRANSITIONS = [
    ("draft", "submit", "officer", "submitted"),
    ("returned", "submit", "officer", "submitted"),
    ("submitted", "submit", "officer", None),
    ("approved", "submit", "officer", None),
    ("draft", "submit", "other_officer", None),  # another commune's officer
    ("draft", "submit", "district_a", None),  # a reviewer does not enter
    ("submitted", "approve", "district_a", "approved"),
    ("submitted", "return", "district_a", "returned"),
    ("approved", "unlock", "district_a", "draft"),
    ("draft", "approve", "district_a", None),
    ("returned", "approve", "district_a", None),
    ("approved", "return", "district_a", None),
    ("submitted", "unlock", "district_a", None),
    ("submitted", "approve", "district_b", None),  # a neighbour district
    ("submitted", "return", "district_b", None),
    ("approved", "unlock", "district_b", None),
    ("submitted", "approve", "province", None),  # before 2025 the district reviews communes
    ("submitted", "approve", "viewer_a", None),  # a viewer of the right district
    ("submitted", "approve", "officer", None),  # never one's own month
]


@pytest.mark.parametrize(("before", "action", "who", "after"), TRANSITIONS)
def test_transitions_by_role_and_place(tree, people, before, action, who, after):
    submission = _month(tree, tree.loc_tho, before)

    if after is None:
        with pytest.raises(review.ReviewError):
            _act(action, people[who], submission)
        submission.refresh_from_db()
        assert submission.state == before
        assert not submission.events.exists()
    else:
        _act(action, people[who], submission)
        submission.refresh_from_db()
        assert submission.state == after
        event = submission.events.get()
        assert (event.action, event.actor) == (action, people[who])


def test_after_the_reform_the_province_reviews_its_communes(khanh_hoa, catalog):
    submission = Submission.objects.create(
        unit=khanh_hoa.ba_ngoi, program=Program.objects.get(code="CTH"),
        month=datetime.date(2025, 10, 1), state=SubmissionState.SUBMITTED,
    )  # fmt: skip

    review.approve(user=khanh_hoa.province_reviewer, submission=submission)

    assert Submission.objects.get().state == SubmissionState.APPROVED


def test_the_first_submission_time_is_kept_through_a_return(tree, people):
    submission = _month(tree, tree.loc_tho, SubmissionState.DRAFT)
    first = review.submit(user=people["officer"], submission=submission).first_submitted_at
    review.return_to_unit(user=people["district_a"], submission=submission, comment="Sửa H-01")
    again = review.submit(user=people["officer"], submission=submission)

    assert again.first_submitted_at == first
    assert again.submitted_at is not None and again.submitted_at >= first


# --- the page and bulk review -----------------------------------------------------------------


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(unit: Unit, program: Program) -> str:
    return reverse("indicators:review_overview", args=[unit.pk, program.code, "2024-10"])


def test_the_page_shows_statuses_and_rates(october, people):
    page = _client(people["district_a"]).get(_url(october.nha_trang, october.program))

    text = page.content.decode()
    assert page.status_code == 200
    assert "Phường Lộc Thọ" in text and "Đã gửi muộn" in text and "Chưa nhập" in text
    assert 'id="completeness">66,7%' in text and 'id="timeliness">33,3%' in text
    assert "Xã Suối Tân" not in text  # the other district
    assert f'value="{october.loc_tho.pk}"' in text  # submitted: may be approved here
    assert f'value="{october.vinh_hai.pk}"' not in text  # approved already


def test_a_neighbour_districts_page_is_404(october, people):
    client = _client(people["district_b"])

    assert client.get(_url(october.nha_trang, october.program)).status_code == 404
    response = client.post(
        _url(october.nha_trang, october.program), {"action": "approve", "unit": october.loc_tho.pk}
    )
    assert response.status_code == 404
    assert Submission.objects.get(unit=october.loc_tho).state == SubmissionState.SUBMITTED


def test_the_province_sees_districts_with_their_counts_and_no_checkboxes(october, people):
    text = _client(people["province"]).get(_url(october.province, october.program)).content
    page = text.decode()

    assert "Thành phố Nha Trang" in page and "2/3" in page and "1/2" in page
    assert 'type="checkbox"' not in page


def test_bulk_approve_several_communes(october, people):
    _month(october, october.phuoc_long, SubmissionState.SUBMITTED, "2024-11-02 10:00")
    client = _client(people["district_a"])

    client.post(
        _url(october.nha_trang, october.program),
        {"action": "approve", "unit": [october.loc_tho.pk, october.phuoc_long.pk]},
    )

    approved = Submission.objects.filter(state=SubmissionState.APPROVED)
    assert set(approved.values_list("unit__name", flat=True)) == {
        "Phường Vĩnh Hải",
        "Phường Lộc Thọ",
        "Phường Phước Long",
    }
    assert SubmissionEvent.objects.filter(action="approve").count() == 2


def test_bulk_approve_is_all_or_nothing(october, people):
    client = _client(people["district_a"])

    response = client.post(
        _url(october.nha_trang, october.program),
        {"action": "approve", "unit": [october.loc_tho.pk, october.vinh_hai.pk]},
        follow=True,
    )

    assert "Chưa duyệt/trả lại đơn vị nào" in response.content.decode()
    assert Submission.objects.get(unit=october.loc_tho).state == SubmissionState.SUBMITTED


def test_bulk_return_needs_a_comment(october, people):
    client = _client(people["district_a"])
    url = _url(october.nha_trang, october.program)

    refused = client.post(url, {"action": "return", "unit": october.loc_tho.pk}, follow=True)
    assert "cần ghi rõ lý do" in refused.content.decode()
    assert Submission.objects.get(unit=october.loc_tho).state == SubmissionState.SUBMITTED

    client.post(url, {"action": "return", "unit": october.loc_tho.pk, "comment": "Thiếu 939-03"})
    returned = Submission.objects.get(unit=october.loc_tho)
    assert returned.state == SubmissionState.RETURNED
    assert returned.events.get(action=SubmissionEvent.Action.RETURN).comment == "Thiếu 939-03"


def test_bulk_approve_takes_the_same_queries_for_more_communes(october, people):
    """The months are locked, written and recorded together: three queries for two or three."""
    reviewer = people["district_a"]
    _month(october, october.phuoc_long, SubmissionState.SUBMITTED, "2024-11-02 10:00")
    vinh_hai = Submission.objects.get(unit=october.vinh_hai)
    vinh_hai.state, vinh_hai.unlocked = (
        SubmissionState.SUBMITTED,
        True,
    )  # sent again after an unlock
    vinh_hai.save()

    def approve(units: list[Unit]) -> int:
        months = list(Submission.objects.filter(unit__in=units).select_related("unit__parent"))
        with access.remembered_assignments(), CaptureQueriesContext(connection) as queries:
            access.can_see(reviewer, october.nha_trang)  # the request's assignments, read once
            start = len(queries.captured_queries)
            review.approve_many(user=reviewer, submissions=months)
        return len(queries.captured_queries) - start

    assert approve([october.loc_tho]) == approve([october.phuoc_long, october.vinh_hai])
    assert set(SubmissionEvent.objects.values_list("action", "state_after")) == {
        ("approve", "approved")
    }
    assert Submission.objects.filter(state=SubmissionState.APPROVED).count() == 3
    assert not Submission.objects.filter(unlocked=True).exists()  # an approval clears it


def test_bulk_review_names_the_first_unit_refused_and_changes_none(october, people):
    months = list(
        Submission.objects.filter(unit__in=[october.loc_tho, october.suoi_tan])
        .select_related("unit__parent")
        .order_by("unit__path")
    )  # Lộc Thọ (Nha Trang's), then Suối Tân (Cam Lâm's): not district A's to review

    with pytest.raises(review.ReviewError, match=r"^Xã Suối Tân: Chỉ cán bộ duyệt"):
        review.return_many(user=people["district_a"], submissions=months, comment="Thiếu")

    assert set(
        Submission.objects.filter(pk__in=[m.pk for m in months]).values_list("state", flat=True)
    ) == {SubmissionState.SUBMITTED}
    assert not SubmissionEvent.objects.exists()


# --- the officer's and the reviewer's home page ------------------------------------------------


def _returned(october, people) -> None:
    """Lộc Thọ's October returned by the district with a comment."""
    Submission.objects.filter(unit=october.loc_tho).update(state=SubmissionState.RETURNED)
    SubmissionEvent.objects.create(
        submission=Submission.objects.get(unit=october.loc_tho), action="return",
        actor=people["district_a"], comment="Số 939-01 chưa khớp sổ", state_after="returned",
        version=2,
    )  # fmt: skip


def test_reminders_returned_with_the_comment_and_days_to_the_due_day(october, people):
    _returned(october, people)

    reminders = reminders_for(people["officer"], datetime.date(2024, 12, 1))

    assert [(r.kind, r.month, r.comment) for r in reminders] == [
        ("returned", OCT_2024, "Số 939-01 chưa khớp sổ"),
        ("due", datetime.date(2024, 11, 1), ""),  # November is due on 05/12
    ]
    assert reminders[1].days == 4


def test_reminders_in_a_request_are_those_read_outside_one(october, people):
    """Inside a request (the home page) the returned months, the months due and the reviewer's
    queue come from the request's assignments and one submissions query: the same reminders,
    in the same order, as read with nothing remembered."""
    queue = reminders_for(people["district_a"], datetime.date(2024, 11, 9))
    with access.remembered_assignments():
        assert reminders_for(people["district_a"], datetime.date(2024, 11, 9)) == queue
    assert [r.kind for r in queue] == ["to_review"] and queue[0].unit.name
    _returned(october, people)
    kinds = set()
    for name in ("officer", "district_a"):
        for day in (datetime.date(2024, 11, 9), datetime.date(2024, 12, 1)):
            outside = reminders_for(people[name], day)
            with access.remembered_assignments():
                inside = reminders_for(people[name], day)
            assert inside == outside
            assert [(r.unit.name, r.program.code, r.comment) for r in inside] == [
                (r.unit.name, r.program.code, r.comment) for r in outside
            ]
            kinds |= {r.kind for r in inside}
    assert kinds >= {"returned", "due"}


def test_reminder_overdue_when_last_month_is_not_sent(tree, people):
    (reminder,) = reminders_for(people["officer"], datetime.date(2024, 11, 9))

    assert (reminder.kind, reminder.month, reminder.overdue_days) == ("overdue", OCT_2024, 4)


def test_the_reviewer_is_told_how_many_months_wait(october, people):
    (reminder,) = reminders_for(people["district_a"], datetime.date(2024, 11, 9))

    assert (reminder.kind, reminder.unit, reminder.count) == ("to_review", october.nha_trang, 1)


def test_home_page_shows_the_returned_comment(october, people):
    submission = Submission.objects.get(unit=october.loc_tho)
    review.return_to_unit(
        user=people["district_a"], submission=submission, comment="Xem lại 939-02"
    )

    page = _client(people["officer"]).get(reverse("home:home")).content.decode()

    assert "Bị trả lại" in page and "Xem lại 939-02" in page


# --- selecting and filtering (issue 18) ----------------------------------------------------------


def test_the_rows_are_filtered_by_status(october, people):
    client = _client(people["district_a"])

    page = client.get(_url(october.nha_trang, october.program), {"status": "late"}).content
    text = page.decode()

    assert "Phường Lộc Thọ" in text
    assert "Phường Phước Long" not in text and "Phường Vĩnh Hải" not in text
    assert '<option value="late" selected>' in text


def test_a_province_filtered_by_status_keeps_the_districts_that_have_it(october, people):
    text = (
        _client(people["province"])
        .get(_url(october.province, october.program), {"status": "returned"})
        .content.decode()
    )

    assert "Huyện Cam Lâm" in text and "Thành phố Nha Trang" not in text


# (A NUL is refused for every page before the view: tests/test_bad_parameters.py.)
@pytest.mark.parametrize("value", ["bogus", "ON_TIME", "<b>x</b>"])
def test_a_bad_status_shows_every_row_with_a_message(october, people, value):
    response = _client(people["district_a"]).get(
        _url(october.nha_trang, october.program), {"status": value}
    )

    text = response.content.decode()
    assert response.status_code == 200
    assert "không có; đang hiện mọi đơn vị" in text
    assert "Phường Lộc Thọ" in text and "Phường Vĩnh Hải" in text
    assert "<b>x</b>" not in text


def test_select_all_and_on_time_are_offered_with_each_rows_status(october, people):
    _month(october, october.phuoc_long, SubmissionState.SUBMITTED, "2024-11-02 10:00")
    text = _client(people["district_a"]).get(_url(october.nha_trang, october.program)).content
    page = text.decode()

    assert 'id="select-all"' in page and 'id="select-on-time"' in page
    assert 'id="selected-count"' in page and "js/review.js" in page
    assert (
        f'value="{october.phuoc_long.pk}" id="pick-{october.phuoc_long.pk}" data-status="on_time"'
        in page
    )
    assert f'value="{october.loc_tho.pk}" id="pick-{october.loc_tho.pk}" data-status="late"' in page


def test_bulk_approve_refuses_a_unit_outside_the_page(october, people):
    """Selecting all cannot widen the reviewer's scope: an id of the other district's commune
    added to the post refuses the whole batch."""
    client = _client(people["district_a"])

    response = client.post(
        _url(october.nha_trang, october.program) + "?status=late",
        {"action": "approve", "unit": [october.loc_tho.pk, october.suoi_tan.pk]},
    )

    assert response["Location"].endswith("?status=late")
    assert Submission.objects.get(unit=october.loc_tho).state == SubmissionState.SUBMITTED
    assert Submission.objects.get(unit=october.suoi_tan).state == SubmissionState.SUBMITTED


@pytest.mark.parametrize("bad", ["abc", "99999999999999999999", "-1", "", "²"])
def test_bulk_approve_with_a_malformed_unit_id_changes_nothing_and_says_why(october, people, bad):
    """A unit id no checkbox sends (typed by hand, out of the database's range, a superscript
    digit that isdigit() accepts) refuses the batch with a message, never a server error."""
    client = _client(people["district_a"])

    response = client.post(
        _url(october.nha_trang, october.program),
        {"action": "approve", "unit": [october.loc_tho.pk, bad]},
        follow=True,
    )

    assert response.status_code == 200
    assert Submission.objects.get(unit=october.loc_tho).state == SubmissionState.SUBMITTED
    assert "Chưa duyệt/trả lại đơn vị nào" in response.content.decode()
