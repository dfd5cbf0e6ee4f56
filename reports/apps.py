from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    # Progress reports produced by Celery jobs (issue: reports); no models yet.
    name = "reports"
    verbose_name = _("Báo cáo")
