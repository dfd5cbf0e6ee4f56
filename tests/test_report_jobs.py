"""Report jobs: request, no duplicate while active, run in-process, failure with a reason,
retry, idempotent re-run, sweep of stuck jobs, monthly schedules, the command line."""

from __future__ import annotations

import datetime
import io
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Role
from reports import services
from reports.models import Format, ReportJob, ReportSchedule, State
from reports.selectors import my_reports
from tests import factories
from tests.report_data import add_results, month

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def program(khanh_hoa, catalog):
    return add_results(khanh_hoa)


def _request(khanh_hoa, program, **kwargs):
    args = {
        "user": khanh_hoa.province_reviewer,
        "program": program,
        "unit": khanh_hoa.province,
        "start": month("2025-01"),
        "end": month("2025-06"),
        "format": Format.BOTH,
    }
    return services.request_report(**{**args, **kwargs})


def test_without_a_broker_the_job_runs_in_process_and_records_its_state(khanh_hoa, program):
    job, created = _request(khanh_hoa, program)
    job.refresh_from_db()

    assert created
    assert (job.state, job.progress, job.attempts) == (State.DONE, 100, 1)
    assert job.xlsx_file.name.endswith(".xlsx") and job.pdf_file.name.endswith(".pdf")
    assert load_workbook(job.xlsx_file.open("rb"))["Tiến độ"]["A2"].value.startswith("HỘI LHPN")


def test_the_same_request_while_one_is_active_gives_the_same_job(khanh_hoa, program):
    with mock.patch("reports.services._enqueue"):  # stays queued: no worker
        first, created_first = _request(khanh_hoa, program)
        second, created_second = _request(khanh_hoa, program)
        other_format, created_other = _request(khanh_hoa, program, format=Format.PDF)

    assert (created_first, created_second, created_other) == (True, False, True)
    assert first.pk == second.pk != other_format.pk
    assert ReportJob.objects.count() == 2


def test_a_done_report_can_be_asked_for_again(khanh_hoa, program):
    first, _ = _request(khanh_hoa, program)
    second, created = _request(khanh_hoa, program)
    assert created and second.pk != first.pk


def test_a_unit_the_user_may_not_see_is_refused(khanh_hoa, program):
    with pytest.raises(services.ReportRequestError):
        _request(khanh_hoa, program, unit=khanh_hoa.cao_bang)


def test_a_period_outside_the_program_phase_is_refused(khanh_hoa, program):
    with pytest.raises(services.ReportRequestError):
        _request(khanh_hoa, program, start=month("2016-01"))


def test_a_failed_job_says_why_and_a_retry_completes_it(khanh_hoa, program):
    with mock.patch("reports.services.render_files", side_effect=OSError("đĩa đầy")):
        job, _ = _request(khanh_hoa, program)
    job.refresh_from_db()
    assert job.state == State.FAILED
    assert "đĩa đầy" in job.error

    services.retry_job(job)
    job.refresh_from_db()
    assert (job.state, job.error, job.attempts) == (State.DONE, "", 2)


def test_running_a_job_again_changes_nothing_once_done(khanh_hoa, program):
    job, _ = _request(khanh_hoa, program)
    job.refresh_from_db()
    names = (job.xlsx_file.name, job.pdf_file.name)

    assert services.run_job(job.pk) == "done"
    job.refresh_from_db()
    assert (job.attempts, (job.xlsx_file.name, job.pdf_file.name)) == (1, names)


def test_a_job_interrupted_while_running_runs_again_to_the_same_files(khanh_hoa, program):
    with mock.patch("reports.services._enqueue"):
        job, _ = _request(khanh_hoa, program)
    # A worker took it and died: state running, a file half written under the job's name.
    ReportJob.objects.filter(pk=job.pk).update(state=State.RUNNING, attempts=1)
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    default_storage.save(job.stored_name("xlsx"), ContentFile(b"half"))

    assert services.run_job(job.pk) == "done"
    job.refresh_from_db()
    assert job.attempts == 2
    assert job.xlsx_file.name == job.stored_name("xlsx")  # overwritten, not "..._abc123.xlsx"
    assert load_workbook(job.xlsx_file.open("rb"))


def test_a_missing_job_is_nothing_to_do():
    assert services.run_job(999999) == "missing"


def test_the_sweep_requeues_running_jobs_without_a_heartbeat(khanh_hoa, program, settings):
    settings.REPORTS_STALE_AFTER = 60
    with mock.patch("reports.services._enqueue"):
        stuck, _ = _request(khanh_hoa, program)
        alive, _ = _request(khanh_hoa, program, format=Format.PDF)
    now = timezone.now()
    ReportJob.objects.filter(pk=stuck.pk).update(
        state=State.RUNNING, heartbeat_at=now - datetime.timedelta(minutes=5)
    )
    ReportJob.objects.filter(pk=alive.pk).update(state=State.RUNNING, heartbeat_at=now)

    assert services.sweep_stuck_jobs() == [stuck.pk]
    stuck.refresh_from_db()
    alive.refresh_from_db()
    assert stuck.state == State.DONE  # re-queued, and run in-process here
    assert alive.state == State.RUNNING


def test_a_schedule_makes_one_report_a_month_for_the_province_staff(khanh_hoa, program):
    schedule = ReportSchedule.objects.create(program=program, unit=khanh_hoa.province, day=6)

    assert services.run_schedules(datetime.date(2025, 7, 5)) == []  # not yet: before the 6th
    made = services.run_schedules(datetime.date(2025, 7, 6))
    again = services.run_schedules(datetime.date(2025, 7, 20))

    assert len(made) == 1 and again == []
    job = ReportJob.objects.get(schedule=schedule)
    assert (job.start, job.end, job.state) == (month("2025-01"), month("2025-06"), State.DONE)
    assert list(my_reports(khanh_hoa.province_reviewer)) == [job]
    assert list(my_reports(khanh_hoa.commune_officer)) == []


def test_my_reports_are_mine_only(khanh_hoa, program):
    job, _ = _request(khanh_hoa, program)
    colleague = factories.AssignmentFactory(
        user=factories.UserFactory(username="tinh.khanhhoa2"),
        unit=khanh_hoa.province,
        role=Role.REVIEWER,
    ).user
    assert list(my_reports(khanh_hoa.province_reviewer)) == [job]
    assert list(my_reports(colleague)) == []


def test_generate_report_command_writes_the_file(khanh_hoa, program, tmp_path):
    out = tmp_path / "bao-cao.xlsx"
    call_command(
        "generate_report",
        "--program", "DA939", "--unit", "56", "--from", "2025-01", "--to", "2025-06",
        "--format", "xlsx", "--out", str(out),
    )  # fmt: skip
    sheet = load_workbook(io.BytesIO(out.read_bytes()))["Tiến độ"]
    assert sheet.cell(row=10, column=5).value == 15


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--program", "NOPE"], "NOPE"),
        (["--unit", "99"], "99"),
        (["--from", "2016-01"], "giai đoạn"),
        (["--to", "2025-13"], "2025-13"),
    ],
)
def test_generate_report_command_fails_with_the_reason(khanh_hoa, program, tmp_path, args, reason):
    base = {"--program": "DA939", "--unit": "56", "--from": "2025-01", "--to": "2025-06"}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    argv = [x for pair in base.items() for x in pair]
    with pytest.raises(CommandError, match=reason):
        call_command("generate_report", *argv, "--format", "pdf", "--out", str(tmp_path / "x.pdf"))
