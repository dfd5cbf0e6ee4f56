from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Program(models.Model):
    """A national program (Đề án, Dự án, Chương trình) and its phase in years."""

    code = models.CharField(_("mã"), max_length=20, unique=True)
    name_vi = models.CharField(_("tên tiếng Việt"), max_length=300)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=300, blank=True)
    start_year = models.PositiveSmallIntegerField(_("năm bắt đầu"))
    end_year = models.PositiveSmallIntegerField(_("năm kết thúc"))
    # A month's figures are due on this day of the following month.
    due_day = models.PositiveSmallIntegerField(
        _("hạn nộp (ngày của tháng sau)"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
    )

    class Meta:
        verbose_name = _("chương trình")
        verbose_name_plural = _("chương trình")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_year__gte=F("start_year")), name="program_phase_ordered"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.name_vi}"

    @property
    def phase(self) -> str:
        return f"{self.start_year}–{self.end_year}"
