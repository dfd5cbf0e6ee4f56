"""`manage.py import_results FILE [--unit CODE] [--program CODE] [--period P] [--commit]
[--json]`: previews a legacy file (long or wide shape) against the database; with --commit
writes it, only when it has no error (exit status 1 otherwise)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from imports import safety, services
from imports.readers import read_file
from imports.readers.periods import parse_period
from members.models import Unit
from programs.models import Program


def _unit(code: str | None) -> Unit | None:
    if not code:
        return None
    today = timezone.localdate()
    units = list(Unit.objects.filter(code=code).order_by("-valid_from"))
    current = [u for u in units if u.is_valid_on(today)] or units
    if not current:
        raise CommandError(_("Không có đơn vị mã «%(code)s».") % {"code": code})
    return current[0]


def _program(code: str | None) -> Program | None:
    if not code:
        return None
    program = Program.objects.filter(code=code).first()
    if program is None:
        raise CommandError(_("Không có chương trình mã «%(code)s».") % {"code": code})
    return program


class Command(BaseCommand):
    help = "Xem trước (mặc định) hoặc ghi một tệp số liệu cũ (dạng dọc hoặc biểu tổng hợp)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--unit", help="mã đơn vị của tệp")
        parser.add_argument("--program", help="mã chương trình")
        parser.add_argument("--period", help="YYYY | YYYY-MM | YYYY-Qn | YYYY-Hn")
        parser.add_argument("--commit", action="store_true", help="ghi khi tệp không có lỗi")
        parser.add_argument("--json", action="store_true", help="in một đối tượng JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.exists():
            raise CommandError(_("Không tìm thấy tệp %(path)s.") % {"path": path})
        try:
            period = parse_period(options["period"]) if options["period"] else None
            safety.check_file(path)
        except (ValueError, safety.UnsafeFile) as exc:
            raise CommandError(str(exc)) from exc
        parsed = read_file(
            path, unit=_unit(options["unit"]), program=_program(options["program"]), period=period
        )
        plan = services.plan(parsed)
        report = services.summary(plan, path.name)
        committed = options["commit"] and not plan.errors
        if committed:
            services.commit(plan, user=None, note=_("nhập từ tệp %(name)s") % {"name": path.name})
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False))
        else:
            self._print(report, blocked=plan.counts["results"]["blocked"], committed=committed)
        if plan.errors:
            raise CommandError(
                _("Tệp có %(count)s lỗi: chưa ghi gì.") % {"count": len(plan.errors)},
                returncode=1,
            )

    def _print(self, report: dict[str, Any], *, blocked: int, committed: bool) -> None:
        self.stdout.write(
            f"{report['file']} · {report['shape']} · {report['period'] or '-'} · "
            f"{report['rows']} " + _("dòng")
        )
        for kind, label in (("results", _("Kết quả")), ("targets", _("Kế hoạch"))):
            counts = report[kind]
            self.stdout.write(
                f"{label}: "
                + _("mới %(new)s, thay đổi %(changed)s, không đổi %(unchanged)s") % counts
            )
        if blocked:
            self.stdout.write(_("Tháng đã khóa, không ghi: %(n)s") % {"n": blocked})
        for kind, label in (("errors", _("Lỗi")), ("warnings", _("Cảnh báo"))):
            for p in report[kind]:
                where = _("dòng %(row)s, cột %(column)s") % p if p["row"] else _("cả tệp")
                self.stdout.write(f"{label} · {where}: {p['message']}")
        if committed:
            self.stdout.write(_("Đã ghi vào hệ thống."))
