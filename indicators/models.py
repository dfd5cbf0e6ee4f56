from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.choices import label_of


class Rule(models.TextChoices):
    """How an indicator adds up over units and months (PRODUCT.md)."""

    SUM = "sum", _("Cộng dồn theo kỳ")
    CUMULATIVE = "cumulative", _("Lũy kế từ đầu giai đoạn")
    RATE = "rate", _("Tỷ lệ (tử số/mẫu số)")
    STOCK = "stock", _("Số hiện có (giá trị cuối kỳ)")
    COVERAGE = "coverage", _("Tỷ lệ đơn vị đạt ngưỡng")


class CollectionLevel(models.TextChoices):
    PROVINCE = "province", _("Tỉnh")
    COMMUNE = "commune", _("Xã/phường")
    BRANCH = "branch", _("Chi hội")


class Periodicity(models.TextChoices):
    MONTH = "month", _("Tháng")
    QUARTER = "quarter", _("Quý")
    YEAR = "year", _("Năm")


class Indicator(models.Model):
    program = models.ForeignKey(
        "programs.Program",
        on_delete=models.PROTECT,
        related_name="indicators",
        verbose_name=_("chương trình"),
    )
    code = models.CharField(_("mã"), max_length=20, unique=True)
    name_vi = models.CharField(_("tên tiếng Việt"), max_length=400)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=400, blank=True)
    unit = models.CharField(_("đơn vị tính"), max_length=40)
    rule = models.CharField(_("cách tổng hợp"), max_length=16, choices=Rule)
    level = models.CharField(_("cấp thu thập"), max_length=16, choices=CollectionLevel)
    periodicity = models.CharField(_("kỳ báo cáo"), max_length=16, choices=Periodicity)
    source = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="coverage_indicators",
        verbose_name=_("chỉ tiêu nguồn"),
    )
    threshold = models.DecimalField(
        _("ngưỡng"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    part_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="breakdowns",
        verbose_name=_("thuộc chỉ tiêu tổng"),
    )
    position = models.PositiveIntegerField(_("thứ tự"), default=0)
    # Other names people type for it in legacy Excel headers, one per line.
    aliases = models.TextField(
        _("tên gọi khác"), blank=True, help_text=_("Mỗi dòng một tên, dùng khi nhập file Excel cũ.")
    )
    # "activities:count:type=tap_huan" and the like: computed from activity records.
    derived_from = models.CharField(_("tính từ"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("chỉ tiêu")
        verbose_name_plural = _("chỉ tiêu")
        ordering = ["program__code", "position"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(rule="coverage")
                | (Q(source__isnull=False) & Q(threshold__isnull=False)),
                name="coverage_has_source_and_threshold",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name_vi}"

    def get_rule_display(self) -> str:  # type: ignore[no-redef]  # common.choices: cheaper
        return label_of(Rule, self.rule)

    def get_level_display(self) -> str:  # type: ignore[no-redef]  # common.choices: cheaper
        return label_of(CollectionLevel, self.level)


class Target(models.Model):
    """A planned value for a unit and an indicator, to be met by `period_end`."""

    unit = models.ForeignKey(
        "members.Unit", on_delete=models.CASCADE, related_name="targets", verbose_name=_("đơn vị")
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="targets", verbose_name=_("chỉ tiêu")
    )
    period_end = models.DateField(_("hết kỳ"))
    value = models.DecimalField(_("kế hoạch"), max_digits=14, decimal_places=2)
    note = models.CharField(_("nguồn/ghi chú"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("chỉ tiêu kế hoạch")
        verbose_name_plural = _("chỉ tiêu kế hoạch")
        ordering = ["indicator__code", "period_end"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "indicator", "period_end"], name="target_unique_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.indicator.code} · {self.period_end:%Y}"


class Result(models.Model):
    """What a unit achieved for an indicator in one month (`month` is the month's first day).

    Entered only at the indicator's level; every figure above is computed by
    indicators.figures.engine.
    A rate stores its numerator and denominator, other rules `value`; coverage is never stored.
    """

    unit = models.ForeignKey(
        "members.Unit", on_delete=models.PROTECT, related_name="results", verbose_name=_("đơn vị")
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="results", verbose_name=_("chỉ tiêu")
    )
    month = models.DateField(_("tháng"))
    value = models.DecimalField(_("giá trị"), max_digits=14, decimal_places=2, null=True)
    numerator = models.DecimalField(_("tử số"), max_digits=14, decimal_places=2, null=True)
    denominator = models.DecimalField(_("mẫu số"), max_digits=14, decimal_places=2, null=True)
    # A quarter's, half-year's or year's figure from a legacy file is stored on the period's last
    # month and says how many months it covers, so sums stay right and trends can say so.
    covers_months = models.PositiveSmallIntegerField(_("số tháng của kỳ"), default=1, db_default=1)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)
    updated_by = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("người cập nhật"),
    )
    # Every change: who, when, old and new value, and why ("form", "import", "unlock").
    history = HistoricalRecords(excluded_fields=["updated_at", "updated_by"])

    class Meta:
        verbose_name = _("kết quả")
        verbose_name_plural = _("kết quả")
        constraints = [
            # Also the index the engine reads through: one range scan per unit of a subtree.
            models.UniqueConstraint(
                fields=["indicator", "unit", "month"], name="result_unique_per_month"
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=False)
                | (Q(numerator__isnull=False) & Q(denominator__isnull=False)),
                name="result_has_a_value_or_a_fraction",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "month"], name="result_unit_month"),
            # A national figure reads one indicator's range of months for every unit: an
            # index-only scan of this (PostgreSQL; a plain index elsewhere) instead of a scan
            # of the whole table (national dashboard 1.1 s -> 0.24 s at 9 million results).
            models.Index(
                fields=["indicator", "month"],
                include=["unit", "value", "numerator", "denominator"],
                name="result_indicator_month",
            ),
            # The few figures of a quarter, a half-year or a year from legacy files, which a
            # trend marks (indicators.figures.dashboard.period_totals).
            models.Index(
                fields=["indicator", "month"],
                condition=Q(covers_months__gt=1),
                name="result_period_totals",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.indicator.code} · {self.month:%m/%Y}"


class EntryDraft(models.Model):
    """What an officer has typed into a month's form but not saved yet (autosaved as typed,
    even when invalid), so that nothing typed is lost to a closed tab or a dropped network."""

    unit = models.ForeignKey("members.Unit", on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    data = models.JSONField(default=dict)
    saved_by = models.ForeignKey(
        "accounts.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    saved_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "program", "month"], name="one_draft_per_form")
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.program.code} · {self.month:%m/%Y}"


class SubmissionState(models.TextChoices):
    DRAFT = "draft", _("Đang nhập")
    SUBMITTED = "submitted", _("Đã gửi duyệt")
    APPROVED = "approved", _("Đã duyệt")
    RETURNED = "returned", _("Bị trả lại")


class Submission(models.Model):
    """The review state of a unit's month for a program (the unit whose form holds it: the
    commune; its branches' figures go with it). Approved and submitted months are locked."""

    unit = models.ForeignKey(
        "members.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị")
    )
    program = models.ForeignKey(
        "programs.Program",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("chương trình"),
    )
    month = models.DateField(_("tháng"))
    state = models.CharField(
        _("trạng thái"),
        max_length=16,
        choices=SubmissionState,
        default=SubmissionState.DRAFT,
    )
    # Goes up on every write to the month's figures: a form opened at version N may only save
    # while the month is still at N (no lost updates).
    version = models.PositiveIntegerField(default=0)
    submitted_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    # Timeliness counts the first submission: a month sent on time and returned for a fix is
    # still on time (the convention of DHIS2's "reporting rate on time").
    first_submitted_at = models.DateTimeField(_("gửi lần đầu lúc"), null=True, blank=True)
    # Set by an unlock, cleared by the next approval: changes in between are corrections.
    unlocked = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("báo cáo tháng")
        verbose_name_plural = _("báo cáo tháng")
        constraints = [
            models.UniqueConstraint(fields=["unit", "program", "month"], name="one_submission")
        ]
        indexes = [models.Index(fields=["program", "month", "state"], name="submission_state")]

    def __str__(self) -> str:
        return f"{self.unit} · {self.program.code} · {self.month:%m/%Y}"


class SubmissionEvent(models.Model):
    class Action(models.TextChoices):
        SAVE = "save", _("Lưu số liệu")
        IMPORT = "import", _("Nạp từ tệp")
        SUBMIT = "submit", _("Gửi duyệt")
        APPROVE = "approve", _("Duyệt")
        RETURN = "return", _("Trả lại")
        UNLOCK = "unlock", _("Mở khóa")

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("thao tác"), max_length=16, choices=Action.choices)
    actor = models.ForeignKey(
        "accounts.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("lúc"), default=timezone.now)
    comment = models.TextField(_("ghi chú"), blank=True)
    state_after = models.CharField(max_length=16, choices=SubmissionState)
    version = models.PositiveIntegerField()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.submission} · {self.action} · {self.at:%Y-%m-%d %H:%M}"


class MonthTotal(models.Model):
    """The month's results of every unit below `unit` added up, per indicator: what the
    dashboards read instead of the raw rows of a whole province or of the nation.

    Kept current inside the transaction that writes the results (indicators.figures.totals.apply),
    so a figure read right after a save includes it; rebuilt from the results after bulk
    loads (indicators.figures.totals.rebuild). `units` counts the reporting units with a row that
    month, so a total with `units == 0` means no data, never a zero.
    """

    unit = models.ForeignKey("members.Unit", on_delete=models.CASCADE, related_name="+")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    value = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    numerator = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    denominator = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    units = models.IntegerField(default=0)

    class Meta:
        constraints = [
            # Also the index every read goes through: (indicator, unit, month range).
            models.UniqueConstraint(
                fields=["indicator", "unit", "month"], name="month_total_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} · {self.indicator_id} · {self.month:%m/%Y}"


class DashboardChoice(models.Model):
    """The indicators a user last picked as a program's dashboard columns."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="+")
    codes = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "program"], name="one_choice_per_program")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.program_id}"


class CoverageTotal(models.Model):
    """Counts behind a coverage indicator whose source is a flow (H-10: branches that helped
    at least 5 households): how many units below `unit` first reported, and first reached the
    threshold, in `month`, per scope (the month alone, its year so far, the phase so far).

    A share over a month, a year to date or the phase is then a sum of a few of these rows
    per child, instead of summing every unit's months (33,000 branches x 12 months for the
    nation). Units are grouped by their validity, so the share can count only the units of
    the map in force on the range's last day. Kept current by the write path and rebuilt
    with the month totals (indicators.figures.coverage). Values are never negative (every write
    path checks it), so a running sum that reached the threshold stays above it.
    """

    class Scope(models.TextChoices):
        MONTH = "month"
        YEAR = "year"
        PHASE = "phase"

    unit = models.ForeignKey("members.Unit", on_delete=models.CASCADE, related_name="+")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=8, choices=Scope.choices)
    month = models.DateField()
    # The validity of the units counted (sentinels instead of NULL: a unique key needs them).
    valid_from = models.DateField()
    valid_to = models.DateField()
    met = models.IntegerField(default=0)
    reported = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "scope", "unit", "month", "valid_from", "valid_to"],
                name="coverage_total_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} · {self.indicator_id} · {self.scope} {self.month:%Y-%m}"
