"""Rows of Cao Bằng (one of every kind bound to a unit) and a staff user of Khánh Hòa who holds
every model permission but is not a superuser: what the scope tests try to reach."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile

from accounts.models import Assignment, Role, User
from imports.models import ImportBatch
from indicators.models import Result, Submission, Target
from members.models import Member, MemberCardView, MemberExport, Unit
from programs.models import Activity, ActivityType, Attachment
from reports.models import ReportJob, ReportSchedule
from tests import factories

# Every name below carries this, so a page that shows one of them is caught by its text.
MARK = "Thục Phán"


@dataclass
class Foreign:
    branch: Unit
    member: Member
    result: Result
    target: Target
    activity: Activity
    attachment: Attachment
    job: ReportJob
    schedule: ReportSchedule
    batch: ImportBatch
    submission: Submission
    user: User
    assignment: Assignment
    export: MemberExport
    card_view: MemberCardView

    def objects(self) -> list[object]:
        return [getattr(self, name) for name in self.__dataclass_fields__]


def staff_of(unit: Unit, username: str = "quantri.khanhhoa", role: str = Role.ADMIN) -> User:
    """A staff user with every model permission, assigned `role` on `unit`, not a superuser."""
    user = factories.UserFactory(username=username, is_staff=True)
    user.user_permissions.set(Permission.objects.all())
    factories.AssignmentFactory(user=user, unit=unit, role=role)
    return User.objects.get(pk=user.pk)  # fresh: no cached permissions


def cao_bang_rows(khanh_hoa: object) -> Foreign:
    thuc_phan: Unit = khanh_hoa.thuc_phan  # type: ignore[attr-defined]
    branch = factories.branch(thuc_phan, 1)
    member = factories.member(branch, "Nông Thị Hoa Thục Phán", birth_year=1980, phone="0912345678")
    indicator = factories.IndicatorFactory()
    program = indicator.program
    june = datetime.date(2025, 6, 1)
    officer = factories.AssignmentFactory(
        user=factories.UserFactory(username="xa.thucphan", last_name=MARK),
        unit=thuc_phan,
        role=Role.ENTRY,
    )
    activity = Activity.objects.create(
        program=program,
        unit=thuc_phan,
        type=ActivityType.objects.order_by("pk").first(),
        title=f"Tập huấn khởi nghiệp {MARK}",
        starts_on=june,
        note=f"Ghi chú {MARK}",
    )
    attachment = Attachment.objects.create(
        activity=activity, name=f"danh-sach-{MARK}.pdf", file=ContentFile(b"%PDF", "ds.pdf")
    )
    return Foreign(
        branch=branch,
        member=member,
        result=Result.objects.create(unit=thuc_phan, indicator=indicator, month=june, value=7),
        target=Target.objects.create(
            unit=thuc_phan,
            indicator=indicator,
            period_end=datetime.date(2025, 12, 31),
            value=Decimal(40),
            note=f"Kế hoạch {MARK}",
        ),
        activity=activity,
        attachment=attachment,
        job=ReportJob.objects.create(
            program=program, unit=thuc_phan, start=june, end=june, format="xlsx"
        ),
        schedule=ReportSchedule.objects.create(program=program, unit=thuc_phan, day=5),
        batch=ImportBatch.objects.create(
            original_name=f"bieu-{MARK}.xlsx", sha256="0" * 64, unit=thuc_phan
        ),
        submission=Submission.objects.create(unit=thuc_phan, program=program, month=june),
        user=officer.user,
        assignment=officer,
        export=MemberExport.objects.create(user=officer.user, unit=branch, row_count=3),
        card_view=MemberCardView.objects.create(user=officer.user, member=member, unit=branch),
    )
