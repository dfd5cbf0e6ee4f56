"""pytest: the local settings on a real Redis (the checkout's own when REDIS_URL is unset, so the
worker tests always run), plus the knobs only tests use."""

from config import localservices

from .local import *  # noqa: F403
from .local import env

REDIS_URL = env.str("REDIS_URL", default="") or localservices.redis_url()
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
# A real broker, as in production: the worker that tests/test_report_worker.py starts reads
# these settings too. Each test runs its tasks in-process (tests/conftest.py) unless it asks for
# the broker.
CELERY_TASK_ALWAYS_EAGER = False

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Pages are tested without running collectstatic first.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
# While this file exists a report job waits after its first step, so that a test can kill the
# worker mid-job (reports.services).
REPORTS_HOLD_FILE = env.str("REPORTS_HOLD_FILE", default="")
# axes logs every login at INFO; the tests log in thousands of times.
AXES_VERBOSE = False
# Mails stay in django.core.mail.outbox.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
