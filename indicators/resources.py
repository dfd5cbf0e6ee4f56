"""django-import-export resources for the Django admin (upload -> dry-run preview -> confirm):
indicators, targets, and results in the long shape (unit_code, indicator_code, month, value,
numerator, denominator).

Tuned for whole files: `use_bulk`, `skip_diff`, every code looked up once (`CodeWidget`) and
existing rows loaded once (`_existing`). Bulk mode loses per-row errors at write time, so every
row is validated first: the widgets' messages and, for results, the entry rules and the month
locks (`before_import`), each reported on its row in Vietnamese. Results are not written by
the resource: the rows it would create or update are handed, once the whole file is through,
to `indicators.cycle.recording.record_results`, the one writer of results (history, month totals,
the months' timelines, the locks checked again).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils.translation import gettext as _
from import_export import fields, widgets

from accounts import access
from common.numbers import NumberError, parse_number
from common.periods import parse_month
from config.resources import AllOrNothingResource
from indicators.cycle import bulk, recording
from indicators.cycle.entry import Entry, check_entries
from indicators.models import Indicator, Result, Target
from members import lifespan
from members.models import Unit
from programs.models import Program


class NumberWidget(widgets.Widget):
    """Numbers as Vietnamese people type them ("1.234,5", "70 %", "-")."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Decimal | None:
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            return Decimal(str(value))
        try:
            return parse_number(value)
        except NumberError as exc:
            raise ValueError(str(exc)) from exc

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        return value


class MonthWidget(widgets.Widget):
    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> datetime.date:
        if isinstance(value, datetime.date):
            return value.replace(day=1)
        try:
            return parse_month(str(value or ""))
        except ValueError as exc:
            raise ValueError(
                _("«%(text)s» không phải là tháng (viết 2025-07)") % {"text": value}
            ) from exc

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return f"{value:%Y-%m}" if value else ""


class CodeWidget(widgets.ForeignKeyWidget):
    """A foreign key by code, every code loaded in one query the first time (cached lookups)."""

    def __init__(self, model: type[Model], message: str) -> None:
        super().__init__(model, "code")
        self.message = message
        self._by_code: dict[str, list[Any]] | None = None

    def candidates(self, value: Any) -> list[Any]:
        if self._by_code is None:
            self._by_code = defaultdict(list)
            for obj in self.get_queryset(None, None).order_by("pk"):
                self._by_code[obj.code].append(obj)
        code = str(value or "").strip()
        if not code:
            raise ValueError(_("không được để trống"))
        if code not in self._by_code:
            raise ValueError(self.message % {"code": code})
        return self._by_code[code]

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        return self.candidates(value)[0]


def _day(value: Any) -> datetime.date:
    if isinstance(value, datetime.date):
        return value
    text = str(value or "").strip()
    try:
        return datetime.date.fromisoformat(text[:10])
    except ValueError:
        return parse_month(text)


class UnitCodeWidget(CodeWidget):
    """A unit code names the unit valid on the row's date (codes are reused across 2025)."""

    def __init__(self, date_column: str) -> None:
        super().__init__(Unit, _("không có đơn vị mã «%(code)s»"))
        self.date_column = date_column

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        units = self.candidates(value)
        text = (row or {}).get(self.date_column)
        try:
            day = _day(text)
        except ValueError:
            return units[0]  # the date column reports its own error
        valid = [u for u in units if u.is_valid_on(day)]
        if not valid and len(units) == 1:  # the unit's life: its dates, successors, predecessors
            reason = lifespan.month_message(units[0], day)
            raise ValueError(_("mã «%(code)s»: %(reason)s") % {"code": value, "reason": reason})
        if len(valid) != 1:
            raise ValueError(
                _("không có đơn vị mã «%(code)s» hoạt động vào %(day)s")
                % {"code": value, "day": f"{day:%m/%Y}"}
            )
        return valid[0]


def _indicator_field(column: str = "indicator_code") -> fields.Field:
    return fields.Field(
        "indicator", column, CodeWidget(Indicator, _("không có chỉ tiêu mã «%(code)s»"))
    )


class BulkResource(AllOrNothingResource):
    """Rows already loaded once by their natural key (the import id fields), so that no row
    costs a query."""

    def natural_key(self, instance: Any) -> tuple[Any, ...]:
        model = self._meta.model
        names = self.get_import_id_fields()
        return tuple(getattr(instance, model._meta.get_field(n).attname) for n in names)

    def existing(self) -> dict[tuple[Any, ...], Any]:
        """Every row of the model by its natural key; a resource of a large table loads
        fewer (ResultResource: only the file's units)."""
        return {self.natural_key(row): row for row in self._meta.model.objects.all()}

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        self._loaded = self.existing()

    def get_instance(self, instance_loader: Any, row: Any) -> Any:
        probe = self.init_instance(row)
        try:
            for name in self.get_import_id_fields():
                self.import_field(self.fields[name], probe, row)
        except (ValueError, ValidationError):
            return None  # a new row: the field's error is reported when the row is imported
        return self._loaded.get(self.natural_key(probe))


class ResultResource(BulkResource):
    unit = fields.Field("unit", "unit_code", UnitCodeWidget("month"))
    indicator = _indicator_field()
    month = fields.Field("month", "month", MonthWidget())
    value = fields.Field("value", "value", NumberWidget())
    numerator = fields.Field("numerator", "numerator", NumberWidget())
    denominator = fields.Field("denominator", "denominator", NumberWidget())

    class Meta:
        model = Result
        fields = ("unit", "indicator", "month", "value", "numerator", "denominator")
        import_id_fields = ("unit", "indicator", "month")
        use_bulk = True
        skip_diff = True
        batch_size = 2000

    def existing(self) -> dict[tuple[Any, ...], Any]:
        return {}  # loaded in before_import, for the file's units only

    def _importable_units(self, entries: Any) -> set[int] | None:
        """The file's units the importing user may import for (Action.IMPORT, as the legacy
        import's pages: a viewer with the admin's model permission still imports nothing); None
        when every unit is (no user: a command; or a superuser)."""
        if self._user is None or access.is_unrestricted(self._user):
            return None
        ids = {e.unit.pk for e in entries}
        allowed = access.units_for(self._user, access.Action.IMPORT).filter(pk__in=ids)
        return set(allowed.values_list("pk", flat=True))

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        """Every row checked before anything is written: entry rules and locked months."""
        self._user = kwargs.get("user")
        self.row_errors: dict[int, list[str]] = defaultdict(list)
        entries: dict[int, bulk.LoadedEntry] = {}
        first: dict[tuple[int, int, datetime.date], int] = {}
        for number, values in enumerate(dataset.dict, 1):
            entry = self._entry(values)
            if entry is None:
                continue
            if entry.is_blank:  # to the one writer, a blank entry clears the saved figure
                self.row_errors[number].append(_("không có số liệu"))
                continue
            if entry.key in first:
                self.row_errors[number].append(
                    _("trùng với dòng %(line)s của tệp") % {"line": first[entry.key]}
                )
                continue
            first[entry.key] = number
            entries[number] = entry
        number_of = {id(e): n for n, e in entries.items()}
        for problem in check_entries(list(entries.values()), source="import"):
            if problem.blocking:
                self.row_errors[number_of[id(problem.entry)]].append(problem.message)
        locked = recording.locked_months(list(entries.values()))
        importable = self._importable_units(entries.values())
        for number, entry in entries.items():
            if importable is not None and entry.unit.pk not in importable:
                self.row_errors[number].append(
                    _("bạn không được nhập số liệu cho đơn vị «%(unit)s»")
                    % {"unit": entry.unit.code}
                )
            if entry.key in locked:
                self.row_errors[number].append(
                    _("tháng %(month)s đã khóa (đã gửi hoặc đã duyệt): cần mở khóa trước")
                    % {"month": f"{entry.month:%m/%Y}"}
                )
        self._loaded = {
            self.natural_key(r): r
            for r in Result.objects.filter(
                unit__in={e.unit.pk for e in entries.values()},
                indicator__in={e.indicator.pk for e in entries.values()},
                month__in={e.month for e in entries.values()},
            )
        }
        self._before = {k: (r.value, r.numerator, r.denominator) for k, r in self._loaded.items()}
        self._writes: list[Result] = []

    def skip_row(
        self, instance: Any, original: Any, row: Any, import_validation_errors: Any = None
    ) -> bool:
        """Unchanged rows are skipped: importing the same file twice writes nothing."""
        if import_validation_errors:
            return False
        before = self._before.get(self.natural_key(instance))
        return before == (instance.value, instance.numerator, instance.denominator)

    def _entry(self, values: dict[str, Any]) -> bulk.LoadedEntry | None:
        try:
            return bulk.LoadedEntry(
                self.fields["unit"].clean(values),
                self.fields["indicator"].clean(values),
                self.fields["month"].clean(values),
                *(self.fields[n].clean(values) for n in ("value", "numerator", "denominator")),
            )
        except (ValueError, KeyError):
            return None  # the row's own import reports it

    def before_import_row(self, row: Any, **kwargs: Any) -> None:
        messages = self.row_errors.get(kwargs.get("row_number", 0))
        if messages:
            raise ValidationError(messages)

    def bulk_create(self, using_transactions: bool, dry_run: bool, raise_errors: bool,
                    batch_size: int | None = None, result: Any = None) -> None:  # fmt: skip
        """Keeps the batch for `after_import` (a dry run without a transaction writes nothing)."""
        if using_transactions or not dry_run:
            self._writes += self.create_instances
        self.create_instances.clear()

    def bulk_update(self, using_transactions: bool, dry_run: bool, raise_errors: bool,
                    batch_size: int | None = None, result: Any = None) -> None:  # fmt: skip
        if using_transactions or not dry_run:
            self._writes += self.update_instances
        self.update_instances.clear()

    def after_import(self, dataset: Any, result: Any, **kwargs: Any) -> None:
        """The whole file's rows to the one writer of results, in one call, so that each month
        gets one new version and one line on its timeline. A dry run's transaction is rolled
        back afterwards, like the rest of the preview."""
        if not self._writes or result.has_errors() or result.has_validation_errors():
            return
        entries = [
            Entry(r.unit, r.indicator, r.month, r.value, r.numerator, r.denominator)
            for r in self._writes
        ]
        recording.record_results(entries, user=self._user, source="import", checked=True)


class TargetResource(BulkResource):
    unit = fields.Field("unit", "unit_code", UnitCodeWidget("period_end"))
    indicator = _indicator_field()
    period_end = fields.Field("period_end", "period_end", widgets.DateWidget("%Y-%m-%d"))
    value = fields.Field("value", "value", NumberWidget())
    note = fields.Field("note", "note")

    class Meta:
        model = Target
        fields = ("unit", "indicator", "period_end", "value", "note")
        import_id_fields = ("unit", "indicator", "period_end")
        use_bulk = True
        skip_diff = True
        batch_size = 2000


class IndicatorResource(BulkResource):
    program = fields.Field(
        "program", "program", CodeWidget(Program, _("không có chương trình mã «%(code)s»"))
    )

    class Meta:
        model = Indicator
        fields = ("program", "code", "name_vi", "name_en", "unit", "rule", "level",
                  "periodicity", "position", "aliases")  # fmt: skip
        import_id_fields = ("code",)
        use_bulk = True
        skip_diff = True
        clean_model_instances = True  # choices (rule, level, periodicity) checked per row
