"""Within a request (accounts.access.remembered_assignments) a user's assignments are read once
for every permission check, and the answers stay those of the rules: a role given or taken
during the request counts at once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import access
from accounts.access import Action
from accounts.models import Assignment, Role
from accounts.services import assign

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
