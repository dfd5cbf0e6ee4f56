"""Within a request (accounts.access.remembered_assignments) a user's assignments are read once
for every permission check, and the answers stay those of the rules: a role given or taken
during the request counts at once."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import access
from accounts.access import Action
from accounts.models import Assignment, Role
from accounts.services import assign
from members.models import Level, Unit
from tests import factories

pytestmark = pytest.mark.django_db


def _answers(khanh_hoa) -> list[object]:
    officer = khanh_hoa.commune_officer
    return [
        access.can_enter(officer, khanh_hoa.ba_ngoi),
        access.can_see(officer, khanh_hoa.ba_ngoi_branch),
        access.can_enter(officer, khanh_hoa.nha_trang),
        access.can_review(officer, khanh_hoa.ba_ngoi),
        access.can_set_targets(officer, khanh_hoa.ba_ngoi),
        sorted(access.visible_units(officer).values_list("pk", flat=True)),
        sorted(access.units_for(officer, Action.REVIEW).values_list("pk", flat=True)),
        access.actions_anywhere(officer),
    ]


def test_the_checks_of_a_request_read_the_assignments_once_with_the_same_answers(khanh_hoa):
    alone = _answers(khanh_hoa)
    with access.remembered_assignments(), CaptureQueriesContext(connection) as queries:
        remembered = _answers(khanh_hoa)

    assert remembered == alone
    assert alone[:2] == [True, True] and alone[2:5] == [False, False, False]
    # The assignments once, and the visible units (none to review: no query for an empty list).
    assert len(queries.captured_queries) == 2


def test_a_role_given_or_taken_during_the_request_counts_at_once(khanh_hoa):
    officer, nha_trang = khanh_hoa.commune_officer, khanh_hoa.nha_trang
    with access.remembered_assignments():
        assert not access.can_enter(officer, nha_trang)
        assign(officer, nha_trang, Role.ENTRY)
        assert access.can_enter(officer, nha_trang)
        assert nha_trang.pk in set(
            access.units_for(officer, Action.ENTER).values_list("pk", flat=True)
        )
        Assignment.objects.filter(user=officer, unit=nha_trang).delete()
        assert not access.can_enter(officer, nha_trang)


def test_the_visible_ancestors_are_those_of_the_query_with_fewer_queries(khanh_hoa):
    superuser = factories.UserFactory(username="quantri", is_superuser=True)
    users = [
        khanh_hoa.province_reviewer,
        khanh_hoa.commune_officer,
        khanh_hoa.branch_viewer,
        superuser,
    ]
    units = [khanh_hoa.province, khanh_hoa.ba_ngoi, khanh_hoa.ba_ngoi_branch, khanh_hoa.thuc_phan]
    for user in users:
        for unit in units:
            expected = list(access.visible_units(user).ancestors_of(unit))
            with access.remembered_assignments():
                assert access.visible_ancestors(user, unit) == expected, (user, unit)

    reviewer = khanh_hoa.province_reviewer
    with access.remembered_assignments():
        access.can_see(reviewer, khanh_hoa.province)  # the request's assignments, read once
        with CaptureQueriesContext(connection) as queries:
            on_province = access.visible_ancestors(reviewer, khanh_hoa.province)
            on_commune = access.visible_ancestors(reviewer, khanh_hoa.ba_ngoi)
            review_ids = access.assigned_unit_ids(reviewer, Action.REVIEW)
    assert (on_province, on_commune) == ([], [khanh_hoa.province])
    assert review_ids == {khanh_hoa.province.pk}
    assert queries.captured_queries == []


def test_the_sole_commune_is_the_first_of_the_query_or_none(khanh_hoa):
    """sole_unit_for answers, with no query, only what the entry start's query would: the
    officer's one commune; None (the query decides) for anyone else."""
    superuser = factories.UserFactory(username="quantri", is_superuser=True)
    two = factories.UserFactory(username="hai.xa")
    assign(two, khanh_hoa.ba_ngoi, Role.ENTRY)
    assign(two, khanh_hoa.nha_trang, Role.ENTRY)
    province_officer = factories.UserFactory(username="nhap.tinh")
    assign(province_officer, khanh_hoa.province, Role.ENTRY)
    branch_officer = factories.UserFactory(username="nhap.chihoi")
    assign(branch_officer, khanh_hoa.ba_ngoi_branch, Role.ENTRY)
    ended = factories.commune(khanh_hoa.province, "Xã Đã Nhập", "99991")
    Unit.objects.filter(pk=ended.pk).update(valid_to=datetime.date(2025, 6, 30))
    ended_officer = factories.UserFactory(username="nhap.cu")
    assign(ended_officer, Unit.objects.get(pk=ended.pk), Role.ENTRY)
    users = [
        khanh_hoa.commune_officer,
        khanh_hoa.province_reviewer,
        khanh_hoa.branch_viewer,
        superuser,
        two,
        province_officer,
        branch_officer,
        ended_officer,
    ]
    answers = {}
    for user in users:
        first = access.units_for(user, Action.ENTER).filter(level=Level.COMMUNE).current().first()
        with access.remembered_assignments():
            sole = access.sole_unit_for(user, Action.ENTER, Level.COMMUNE)
        assert sole is None or sole == first, user
        answers[user.username] = sole

    assert answers == {user.username: None for user in users} | {"xa.bangoi": khanh_hoa.ba_ngoi}
    assert access.sole_unit_for(khanh_hoa.commune_officer, Action.ENTER, Level.COMMUNE) is None


def test_assignments_of_in_a_request_are_those_of_the_query(khanh_hoa):
    """One assignment (most users) or none comes from the request's read; several are read
    again in the database's order."""
    from accounts.selectors import assignments_of

    nobody = factories.UserFactory(username="khong.ai")
    two = factories.UserFactory(username="hai.xa")
    assign(two, khanh_hoa.nha_trang, Role.ENTRY)
    assign(two, khanh_hoa.province, Role.VIEWER)
    for user, reads in [(nobody, 1), (khanh_hoa.commune_officer, 1), (two, 2)]:
        outside = assignments_of(user)
        with access.remembered_assignments(), CaptureQueriesContext(connection) as queries:
            access.can_see(user, khanh_hoa.ba_ngoi)
            inside = assignments_of(user)
        assert inside == outside, user
        assert [a.unit for a in inside] == [a.unit for a in outside]
        assert len(queries.captured_queries) == reads, user
