from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


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
    rule = models.CharField(_("cách tổng hợp"), max_length=16, choices=Rule.choices)
    level = models.CharField(_("cấp thu thập"), max_length=16, choices=CollectionLevel.choices)
    periodicity = models.CharField(_("kỳ báo cáo"), max_length=16, choices=Periodicity.choices)
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

    @property
    def is_entered(self) -> bool:
        """Coverage is computed from its source, never typed."""
        return self.rule != Rule.COVERAGE


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
