from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


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


class ActivityType(models.Model):
    """A kind of activity (tập huấn, truyền thông, ...), editable by admins. `code` is what
    the catalogue's derived indicators name (`activities:count:type=tap_huan`): never rename it."""

    code = models.SlugField(_("mã"), max_length=40, unique=True)
    name = models.CharField(_("tên"), max_length=120)
    position = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    active = models.BooleanField(_("đang dùng"), default=True)

    class Meta:
        verbose_name = _("loại hoạt động")
        verbose_name_plural = _("loại hoạt động")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Funding(models.TextChoices):
    STATE = "state", _("Ngân sách nhà nước")
    PROGRAM = "program", _("Kinh phí chương trình, đề án")
    SOCIALISED = "socialised", _("Xã hội hóa")
    UNION = "union", _("Quỹ Hội")


class Activity(models.Model):
    """What a unit did: a class, an event, a dialogue, a visit. The unit is the one that ran it,
    at any level (a province-run class is the province's). Counted toward the indicators that
    are derived from activities (programs.services keeps their figures current)."""

    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="activities", verbose_name=_("chương trình")
    )
    unit = models.ForeignKey(
        "members.Unit",
        on_delete=models.PROTECT,
        related_name="activities",
        verbose_name=_("đơn vị"),
    )
    type = models.ForeignKey(
        ActivityType, on_delete=models.PROTECT, related_name="+", verbose_name=_("loại hoạt động")
    )
    title = models.CharField(_("tên hoạt động"), max_length=300)
    starts_on = models.DateField(_("ngày"))
    ends_on = models.DateField(_("đến ngày"), null=True, blank=True)
    place = models.CharField(_("địa điểm"), max_length=300, blank=True)
    participants = models.PositiveIntegerField(_("số người tham gia"), default=0)
    participants_women = models.PositiveIntegerField(_("trong đó nữ"), default=0)
    participants_minority = models.PositiveIntegerField(_("trong đó dân tộc thiểu số"), default=0)
    participants_over35 = models.PositiveIntegerField(_("trong đó trên 35 tuổi"), default=0)
    cost = models.DecimalField(
        _("kinh phí (đồng)"), max_digits=14, decimal_places=0, null=True, blank=True
    )
    funding = models.CharField(_("nguồn kinh phí"), max_length=16, choices=Funding, blank=True)
    # Free names: departments and banks differ by province and are seldom reused exactly.
    partners = models.CharField(_("đơn vị phối hợp"), max_length=300, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Every edit and deletion, with who and when.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("hoạt động")
        verbose_name_plural = _("hoạt động")
        ordering = ["-starts_on", "-pk"]
        indexes = [models.Index(fields=["program", "starts_on"], name="activity_program_day")]

    def __str__(self) -> str:
        return f"{self.title} ({self.starts_on:%d/%m/%Y})"


class Attachment(models.Model):
    """A photo or the minutes of an activity, kept through Django's storage."""

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("hoạt động")
    )
    file = models.FileField(_("tệp"), upload_to="activities/%Y/%m/")
    name = models.CharField(_("tên tệp"), max_length=200)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tệp đính kèm")
        verbose_name_plural = _("tệp đính kèm")

    def __str__(self) -> str:
        return self.name
