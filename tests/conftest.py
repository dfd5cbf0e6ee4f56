from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from accounts.models import Role, User
from members.models import Unit
from tests import factories


@pytest.fixture(autouse=True)
def _files_and_tasks_stay_in_the_test(settings: Any, tmp_path_factory: pytest.TempPathFactory):
    """Stored files go to a temporary MEDIA_ROOT, and Celery tasks run in-process
    (tests/test_report_worker.py starts real workers and turns this off)."""
    from config.celery_app import app

    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))
    # The prefixed name: with namespace="CELERY" it is the one Celery reads.
    eager = app.conf.CELERY_TASK_ALWAYS_EAGER
    app.conf.CELERY_TASK_ALWAYS_EAGER = True
    yield
    app.conf.CELERY_TASK_ALWAYS_EAGER = eager


@dataclass
class Khanhhoa:
    """A slice of Khánh Hòa and Cao Bằng with real names and codes, and one user per role."""

    province: Unit
    ba_ngoi: Unit
    nha_trang: Unit
    ba_ngoi_branch: Unit
    cao_bang: Unit
    thuc_phan: Unit
    province_reviewer: User
    commune_officer: User
    branch_viewer: User


@pytest.fixture
def khanh_hoa(db: None) -> Khanhhoa:
    province = factories.province("Tỉnh Khánh Hòa", "56")
    ba_ngoi = factories.commune(province, "Phường Ba Ngòi", "22735")
    nha_trang = factories.commune(province, "Phường Nha Trang", "22333")
    branch = factories.branch(ba_ngoi, 1)
    cao_bang = factories.province("Tỉnh Cao Bằng", "04")
    thuc_phan = factories.commune(cao_bang, "Phường Thục Phán", "01273")

    def user(username: str, unit: Unit, role: Role) -> User:
        return factories.AssignmentFactory(
            user=factories.UserFactory(username=username), unit=unit, role=role
        ).user

    return Khanhhoa(
        province=province,
        ba_ngoi=ba_ngoi,
        nha_trang=nha_trang,
        ba_ngoi_branch=branch,
        cao_bang=cao_bang,
        thuc_phan=thuc_phan,
        province_reviewer=user("tinh.khanhhoa", province, Role.REVIEWER),
        commune_officer=user("xa.bangoi", ba_ngoi, Role.ENTRY),
        branch_viewer=user("chihoi.bangoi", branch, Role.VIEWER),
    )


@pytest.fixture
def catalog(db: None, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The shipped programs and indicators (targets need the real provinces loaded)."""
    import shutil

    from indicators.catalogue.services import DEFAULT_CATALOG_DIR, load_catalog

    folder = tmp_path_factory.mktemp("catalog")
    for name in ("programs.csv", "indicators.csv"):
        shutil.copy(DEFAULT_CATALOG_DIR / name, folder / name)
    load_catalog(folder)
