"""accounts/access.py: who may do what, for which unit, on a slice of the real hierarchy.

    Trung ương (central)
    ├── Tỉnh Khánh Hòa (56)
    │   ├── Phường Ba Ngòi (22735)
    │   │   └── Chi hội Thôn 1 (branch)
    │   ├── Phường Nha Trang (22333)
    │   └── Huyện Cam Lâm (576, a district until 2025-06-30)
    │       └── Xã Cam Hải Đông (22768, a commune until 2025-06-30)
    └── Tỉnh Cao Bằng (04)
        └── Phường Thục Phán (01273)

Each row of TABLE gives one user one role at one place and asks one action on one unit; the
expected answer is worked out by hand from the rules in PRODUCT.md (any role sees its subtree;
entry and admin enter figures and edit members in their subtree; reviewer and admin review the
months of their unit's children and set their unit's targets; admin imports for its subtree).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.http import Http404

from accounts import access
from accounts.access import Action
from accounts.models import Role, User
from members.models import Level, Unit
from members.services import get_or_create_central
from tests import factories

pytestmark = pytest.mark.django_db

LEGACY_END = datetime.date(2025, 6, 30)


@dataclass
class Places:
    central: Unit
    province: Unit
    ba_ngoi: Unit
    branch: Unit
    nha_trang: Unit
    cam_lam: Unit
    cam_hai_dong: Unit
    cao_bang: Unit
    thuc_phan: Unit

    def __getitem__(self, name: str) -> Unit:
        unit: Unit = getattr(self, name)
        return unit

    def all(self) -> list[Unit]:
        return [self[name] for name in self.__dataclass_fields__]


@pytest.fixture
def places(khanh_hoa) -> Places:
    cam_lam = factories.UnitFactory(
        level=Level.DISTRICT,
        name="Huyện Cam Lâm",
        code="576",
        parent=khanh_hoa.province,
        valid_to=LEGACY_END,
    )
    cam_hai_dong = factories.UnitFactory(
        level=Level.COMMUNE,
        name="Xã Cam Hải Đông",
        code="22768",
        parent=cam_lam,
        valid_to=LEGACY_END,
    )
    return Places(
        central=get_or_create_central(),
        province=khanh_hoa.province,
        ba_ngoi=khanh_hoa.ba_ngoi,
        branch=khanh_hoa.ba_ngoi_branch,
        nha_trang=khanh_hoa.nha_trang,
        cam_lam=cam_lam,
        cam_hai_dong=cam_hai_dong,
        cao_bang=khanh_hoa.cao_bang,
        thuc_phan=khanh_hoa.thuc_phan,
    )


def _user(role: Role, place: Unit) -> User:
    user = factories.UserFactory(username=f"{role}.{place.code or 'tw'}")
    factories.AssignmentFactory(user=user, unit=place, role=role)
    return user


V, E, R, A = Role.VIEWER, Role.ENTRY, Role.REVIEWER, Role.ADMIN
SEE, ENTER, REVIEW = Action.SEE, Action.ENTER, Action.REVIEW
TARGETS, IMPORT, MEMBERS = Action.SET_TARGETS, Action.IMPORT, Action.EDIT_MEMBERS

# (role, assigned at, action, on unit, allowed)
TABLE = [
    # A viewer sees its subtree and does nothing else.
    (V, "province", SEE, "province", True),
    (V, "province", SEE, "branch", True),
    (V, "province", SEE, "cam_hai_dong", True),
    (V, "province", SEE, "central", False),
    (V, "province", SEE, "thuc_phan", False),
    (V, "province", ENTER, "ba_ngoi", False),
    (V, "province", REVIEW, "ba_ngoi", False),
    (V, "province", TARGETS, "province", False),
    (V, "province", IMPORT, "province", False),
    (V, "province", MEMBERS, "branch", False),
    (V, "branch", SEE, "branch", True),
    (V, "branch", SEE, "ba_ngoi", False),
    # A commune's entry officer: its commune and branches, nothing beside or above.
    (E, "ba_ngoi", SEE, "branch", True),
    (E, "ba_ngoi", SEE, "nha_trang", False),
    (E, "ba_ngoi", SEE, "province", False),
    (E, "ba_ngoi", ENTER, "ba_ngoi", True),
    (E, "ba_ngoi", ENTER, "branch", True),
    (E, "ba_ngoi", ENTER, "nha_trang", False),
    (E, "ba_ngoi", ENTER, "province", False),
    (E, "ba_ngoi", MEMBERS, "branch", True),
    (E, "ba_ngoi", MEMBERS, "nha_trang", False),
    (E, "ba_ngoi", REVIEW, "ba_ngoi", False),
    (E, "ba_ngoi", REVIEW, "branch", False),
    (E, "ba_ngoi", TARGETS, "ba_ngoi", False),
    (E, "ba_ngoi", IMPORT, "ba_ngoi", False),
    # A province entry officer enters for every unit of the province.
    (E, "province", ENTER, "cam_hai_dong", True),
    (E, "province", ENTER, "thuc_phan", False),
    # A province reviewer reviews the province's children only: the new communes and the old
    # districts, not a pre-2025 commune (its parent is the district) nor a branch.
    (R, "province", SEE, "ba_ngoi", True),
    (R, "province", SEE, "thuc_phan", False),
    (R, "province", ENTER, "ba_ngoi", False),
    (R, "province", REVIEW, "ba_ngoi", True),
    (R, "province", REVIEW, "nha_trang", True),
    (R, "province", REVIEW, "cam_lam", True),
    (R, "province", REVIEW, "cam_hai_dong", False),
    (R, "province", REVIEW, "branch", False),
    (R, "province", REVIEW, "province", False),
    (R, "province", REVIEW, "thuc_phan", False),
    (R, "province", TARGETS, "province", True),
    (R, "province", TARGETS, "ba_ngoi", False),
    (R, "province", TARGETS, "cao_bang", False),
    (R, "province", IMPORT, "province", False),
    (R, "province", MEMBERS, "branch", False),
    # A district reviewer reviews the district's communes (before 2025-07).
    (R, "cam_lam", REVIEW, "cam_hai_dong", True),
    (R, "cam_lam", REVIEW, "ba_ngoi", False),
    # A central reviewer: the provinces' months and the central unit's own targets.
    (R, "central", SEE, "thuc_phan", True),
    (R, "central", REVIEW, "province", True),
    (R, "central", REVIEW, "cao_bang", True),
    (R, "central", REVIEW, "ba_ngoi", False),
    (R, "central", TARGETS, "central", True),
    (R, "central", TARGETS, "province", False),
    # A province admin: every right of an entry officer and of a reviewer, and imports.
    (A, "province", SEE, "branch", True),
    (A, "province", ENTER, "ba_ngoi", True),
    (A, "province", ENTER, "branch", True),
    (A, "province", MEMBERS, "branch", True),
    (A, "province", REVIEW, "ba_ngoi", True),
    (A, "province", REVIEW, "cam_hai_dong", False),
    (A, "province", TARGETS, "province", True),
    (A, "province", TARGETS, "ba_ngoi", False),
    (A, "province", IMPORT, "province", True),
    (A, "province", IMPORT, "ba_ngoi", True),
    (A, "province", IMPORT, "central", False),
    (A, "province", IMPORT, "thuc_phan", False),
    (A, "province", MEMBERS, "thuc_phan", False),
    # A commune admin reviews its branches and imports for its own subtree.
    (A, "ba_ngoi", REVIEW, "branch", True),
    (A, "ba_ngoi", REVIEW, "ba_ngoi", False),
    (A, "ba_ngoi", IMPORT, "ba_ngoi", True),
    (A, "ba_ngoi", IMPORT, "branch", True),
    (A, "ba_ngoi", IMPORT, "nha_trang", False),
]


@pytest.mark.parametrize(
    ("role", "at", "action", "on", "allowed"),
    TABLE,
    ids=[f"{r[0]}@{r[1]}-{r[2].value}-{r[3]}" for r in TABLE],
)
def test_a_role_at_a_place_may_do_what_the_rules_say(
    places: Places, role: Role, at: str, action: Action, on: str, allowed: bool
) -> None:
    user = _user(role, places[at])
    unit = places[on]

    assert access.can(user, action, unit) is allowed
    # The scoped queryset and the 404 helper answer exactly as the single check does.
    assert access.units_for(user, action).filter(pk=unit.pk).exists() is allowed
    if allowed:
        assert access.unit_or_404(user, unit.pk, for_=action) == unit
    else:
        with pytest.raises(Http404):
            access.unit_or_404(user, unit.pk, for_=action)


def test_the_named_checks_are_the_actions(places: Places) -> None:
    admin = _user(A, places.province)

    assert access.can_see(admin, places.branch)
    assert access.can_enter(admin, places.branch)
    assert access.can_edit_members(admin, places.branch)
    assert access.can_review(admin, places.ba_ngoi)
    assert access.can_set_targets(admin, places.province)
    assert access.can_import(admin, places.ba_ngoi)
    assert not access.can_see(admin, places.thuc_phan)


@pytest.mark.parametrize("superuser", [False, True], ids=["admin", "superuser"])
def test_an_inactive_user_may_do_nothing(places: Places, superuser: bool) -> None:
    user = _user(A, places.province)
    user.is_superuser = superuser
    user.is_active = False
    user.save()

    for action in Action:
        assert not access.units_for(user, action).exists()
        assert not access.may_anywhere(user, action)
        assert not access.assignments_for(user, action).exists()
        assert access.assigned_unit_ids(user, action) == set()
        for unit in places.all():
            assert not access.can(user, action, unit), (action, unit)
    assert not access.is_unrestricted(user)


def test_a_superuser_may_do_everything_everywhere(places: Places) -> None:
    admin = factories.UserFactory(username="quantri", is_superuser=True, is_staff=True)

    assert access.is_unrestricted(admin)
    for action in Action:
        assert access.units_for(admin, action).count() == Unit.objects.count()
        assert access.may_anywhere(admin, action)
        assert access.assigned_unit_ids(admin, action) is None
        for unit in places.all():
            assert access.can(admin, action, unit), (action, unit)


def test_another_provinces_officers_may_do_nothing_in_khanh_hoa(places: Places) -> None:
    cao_bang_admin = _user(A, places.cao_bang)

    for action in Action:
        for unit in (places.province, places.ba_ngoi, places.branch, places.cam_hai_dong):
            assert not access.can(cao_bang_admin, action, unit), (action, unit)
        assert (
            not access.units_for(cao_bang_admin, action)
            .filter(path__startswith=places.province.path)
            .exists()
        )


def test_may_anywhere_needs_a_role_granting_the_action(places: Places) -> None:
    reviewer = _user(R, places.province)

    assert access.may_anywhere(reviewer, Action.REVIEW)
    assert not access.may_anywhere(reviewer, Action.IMPORT)
    assert access.may_anywhere(_user(A, places.ba_ngoi), Action.IMPORT)


def test_assigned_unit_ids_are_where_the_role_is_held(places: Places) -> None:
    reviewer = _user(R, places.province)
    factories.AssignmentFactory(user=reviewer, unit=places.cao_bang, role=Role.VIEWER)

    assert access.assigned_unit_ids(reviewer, Action.REVIEW) == {places.province.pk}
    assert access.assigned_unit_ids(reviewer, Action.SEE) == {
        places.province.pk,
        places.cao_bang.pk,
    }


def test_scoped_rows_keep_unitless_ones_for_a_superuser_only(places: Places) -> None:
    from imports.models import ImportBatch

    def batch(unit: Unit | None) -> ImportBatch:
        return ImportBatch.objects.create(original_name="bieu.xlsx", sha256="0" * 64, unit=unit)

    unitless, ba_ngoi, cao_bang = batch(None), batch(places.ba_ngoi), batch(places.cao_bang)
    rows = ImportBatch.objects.all()
    admin = factories.UserFactory(username="quantri", is_superuser=True)

    assert set(access.scoped(rows, admin, Action.IMPORT)) == {unitless, ba_ngoi, cao_bang}
    assert set(access.scoped(rows, _user(A, places.province), Action.IMPORT)) == {ba_ngoi}


@pytest.mark.parametrize("action", list(Action), ids=[a.value for a in Action])
def test_a_missing_unit_and_another_units_id_give_the_same_404(
    places: Places, action: Action
) -> None:
    officer = _user(E, places.ba_ngoi)
    missing = Unit.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1000

    with pytest.raises(Http404) as not_found:
        access.unit_or_404(officer, missing, for_=action)
    with pytest.raises(Http404) as not_theirs:
        access.unit_or_404(officer, places.thuc_phan.pk, for_=action)

    assert type(not_found.value) is type(not_theirs.value)
    assert not_found.value.args == not_theirs.value.args == ()
