from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """The portal's user; what they may see comes from their assignments, not from here."""

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")


class Role(models.TextChoices):
    ENTRY = "entry", _("Nhập liệu")
    REVIEWER = "reviewer", _("Duyệt số liệu")
    VIEWER = "viewer", _("Xem")
    ADMIN = "admin", _("Quản trị")


class Assignment(models.Model):
    """A user's place in the hierarchy: they act for `unit` and everything under it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="assignments",
        verbose_name=_("người dùng"),
    )
    unit = models.ForeignKey(
        "members.Unit",
        on_delete=models.PROTECT,
        related_name="assignments",
        verbose_name=_("đơn vị"),
    )
    role = models.CharField(_("vai trò"), max_length=16, choices=Role)

    class Meta:
        verbose_name = _("phân công")
        verbose_name_plural = _("phân công")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit"], name="assignment_one_role_per_unit")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.unit} · {self.get_role_display()}"
