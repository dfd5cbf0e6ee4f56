"""Settings shared by every environment, read from the environment (django-environ).

The leaves say where the database, the broker and the secret key come from:
`production` requires them from the environment; `local` (the quick start, `manage.py`'s default)
falls back to a PostgreSQL of the checkout's own under var/, in-process Celery tasks and a key
made once in var/; `test` adds the test-only knobs and a real Redis.
"""

from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import environ
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)
(VAR_DIR / "static").mkdir(exist_ok=True)

env = environ.Env()
if (BASE_DIR / ".env").exists():
    env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Lets whitenoise, not runserver, serve static files: the quick start then serves them
    # exactly as production does.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "import_export",
    "simple_history",
    # Login throttling (config.logins); its admin lists the locks, where an admin lifts them.
    "axes",
    "accounts",
    "members",
    "home",
    "programs",
    "indicators",
    "reports",
    "imports",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before the session: a request that waited too long is answered "busy" at once.
    "config.shedding.ShedWhenQueuedTooLong",
    # The database or the broker unreachable: the 503 page (a safe request tried once more).
    "config.unavailable.unavailable",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.vietnamese_first",
    "django.middleware.locale.LocaleMiddleware",
    "config.middleware.refuse_nul_in_query",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A request's permission checks read the user's assignments once.
    "config.middleware.remember_assignments",
    "config.logins.session_timeouts",
    "config.headers.no_store",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # The Content-Security-Policy header (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes requires: turns a locked-out login into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.menu",
                "accounts.context_processors.nav",
            ],
        },
    },
]

# Django's form renderer with drop-down lists written in Python (common/form_renderer.py).
FORM_RENDERER = "common.form_renderer.QuickSelectRenderer"


def database(url: str) -> dict[str, Any]:
    """The default database from its URL, with the connection settings every environment uses."""
    config: dict[str, Any] = env.db_url_config(url)
    # A Unix socket folder in the host part, percent-encoded as libpq's own URIs have it
    # (postgres://user@%2Fpath%2Fto%2Fsockets/name): django-environ leaves it encoded.
    config["HOST"] = unquote(config["HOST"])
    # Persistent connections in production (docker-compose sets CONN_MAX_AGE); none by default,
    # so that test servers and management commands leave no connection behind.
    config["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
    config["CONN_HEALTH_CHECKS"] = True
    config["ATOMIC_REQUESTS"] = False
    # The dashboards' few large grouped reads: JIT compilation costs more than it saves on them
    # (60 ms of a 200 ms query), and 4 MB of work memory makes a national grouping spill to
    # disk. Session settings, so the server's own configuration need not change.
    config.setdefault("OPTIONS", {})["options"] = env.str(
        "DATABASE_SESSION_OPTIONS", default="-c jit=off -c work_mem=32MB"
    )
    return config


DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home:home"
LOGOUT_REDIRECT_URL = "login"
# Logins (config.logins). django-axes first: a user name with AXES_FAILURE_LIMIT failures, or an
# address with as many, is refused (even the right password) for AXES_COOLOFF_TIME, with a
# Vietnamese page; a successful login clears the user's count. Behind the production proxy the
# client address is the last hop of X-Forwarded-For (AXES_IPWARE_PROXY_COUNT), or every user
# would share the proxy's address.
AUTHENTICATION_BACKENDS = [
    "config.logins.RequestAxesBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_CALLABLE = "config.logins.locked_out"
AXES_RESET_ON_SUCCESS = True
# axes' database handler with fewer queries per login and logout, the same locks; its access
# log (who logged in and out, when, from where) kept, as axes' default.
AXES_HANDLER = "config.logins.PortalAxesHandler"
AXES_DISABLE_ACCESS_LOG = False
if env.bool("HTTPS", default=False):
    AXES_IPWARE_PROXY_COUNT = 1
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
# Sessions: ended after 30 minutes unused and 10 hours after the login however busy (a working
# day; config.logins.session_timeouts). The last use is written (and the cookie renewed) at most
# once a minute, not on every request: on the deadline day that UPDATE and its commit were a
# write per page. The cookie outlives the idle limit by that minute, so the server's check, not
# the browser, ends the session. They are Django's database sessions, a query fewer at each
# login and logout (config.sessions).
SESSION_ENGINE = "config.sessions"
SESSION_IDLE_SECONDS = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_ABSOLUTE_SECONDS = env.int("SESSION_ABSOLUTE_SECONDS", default=10 * 60 * 60)
SESSION_SEEN_EVERY_SECONDS = 60
SESSION_COOKIE_AGE = SESSION_IDLE_SECONDS + SESSION_SEEN_EVERY_SECONDS
SESSION_SAVE_EVERY_REQUEST = False
# Argon2id at OWASP's parameters (config.passwords: about a tenth of PBKDF2's cost per login);
# PBKDF2 hashes made before still verify and are rehashed at the next login.
PASSWORD_HASHERS = [
    "config.passwords.PortalArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Vietnamese first; English kept complete in locale/en.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("Tiếng Anh"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"  # made above so whitenoise finds it before collectstatic
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Celery. The leaves set the broker: CELERY_BROKER_URL, CELERY_RESULT_BACKEND and
# CELERY_TASK_ALWAYS_EAGER (tasks run in-process when there is no broker).
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TRACK_STARTED = True
# A worker takes one message at a time: a long report does not hold others back in its prefetch.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Jobs (reports, imports) acknowledge their message only when they end (acks_late), so a worker
# killed mid-job leaves the message unacknowledged in Redis, which hands it out again once the
# visibility timeout has passed since delivery. That is NOT how a dead worker's job comes back:
# a running job writes its heartbeat every JOBS_HEARTBEAT_SECONDS and the sweep below, every
# JOBS_SWEEP_SECONDS, re-sends a job silent for REPORTS_STALE_AFTER / IMPORT_STALE_SECONDS:
# about half a minute. The redelivery is a second, slow way back, so its timeout stays long
# (2 hours, longer than the longest report): a short one would hand a long-running job's message
# to a second worker mid-run. Harmless now (a job whose heartbeat is fresh is never taken twice:
# jobs.lifecycle.claim_or_retake), but wasted work.
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=2 * 60 * 60)
# Sending a message with the broker down: a few quick tries, then the outbox (the job stays
# queued without dispatched_at and the sweep sends it later), instead of holding the request.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    # How often a worker looks for messages past their visibility timeout: every 10th call of a
    # 10 s timer (kombu's defaults, ~100 s). Tests look every second.
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": env.int("CELERY_UNACKED_RESTORE_THROTTLE", default=10),
}
# Background jobs (jobs.lifecycle): a running job's heartbeat, how often beat sweeps, how long a
# queued job may wait for the broker's acknowledgement before the sweep sends it again, and how
# long a message the broker took may wait for a worker before it is taken for lost.
JOBS_HEARTBEAT_SECONDS = env.float("JOBS_HEARTBEAT_SECONDS", default=5)
JOBS_SWEEP_SECONDS = env.float("JOBS_SWEEP_SECONDS", default=15)
JOBS_DISPATCH_GRACE = env.int("JOBS_DISPATCH_GRACE", default=10)
JOBS_LOST_MESSAGE_AFTER = env.int("JOBS_LOST_MESSAGE_AFTER", default=30 * 60)
CELERY_BEAT_SCHEDULE = {
    # Jobs stuck in "running" (their worker died: no heartbeat for REPORTS_STALE_AFTER) go
    # back to the queue, and queued jobs the broker never took (down when they were asked for)
    # are sent again: the outbox.
    "reports-sweep-stuck-jobs": {
        "task": "reports.tasks.sweep_stuck_jobs",
        "schedule": JOBS_SWEEP_SECONDS,
    },
    "imports-sweep-stuck-batches": {
        "task": "imports.tasks.sweep_stuck_batches",
        "schedule": JOBS_SWEEP_SECONDS,
    },
    # Scheduled monthly reports (reports.ReportSchedule, edited in the admin). Each run makes the
    # reports that are due and not yet made, so running hourly rather than daily only means a
    # restarted beat catches up within the hour; a report is never made twice.
    "reports-run-schedules": {
        "task": "reports.tasks.run_schedules",
        "schedule": 60 * 60,
    },
    # Member import files left between preview and confirmation past their lifetime
    # (MEMBER_IMPORT_FILE_SECONDS) are deleted.
    "members-sweep-import-files": {
        "task": "members.tasks.sweep_import_files",
        "schedule": 15 * 60,
    },
}

# Progress reports (reports/). A running job writes a heartbeat every JOBS_HEARTBEAT_SECONDS;
# one silent for this many seconds is taken for dead and re-queued by the sweep.
REPORTS_STALE_AFTER = env.int("REPORTS_STALE_AFTER", default=30)
# Behind the production proxy, which terminates TLS (docker-compose.yml sets HTTPS=1).
HTTPS = env.bool("HTTPS", default=False)
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
# No script reads the CSRF cookie (forms and the autosave send the form's hidden token), so it
# is HttpOnly too (a `make scan` finding).
CSRF_COOKIE_HTTPONLY = True
# Content-Security-Policy (django-csp): scripts, styles, images and fonts from the portal itself
# only, never inline (no 'unsafe-inline': the templates keep their scripts in static/js and their
# styles in static/css); inline SVG charts need no source; data: images for the admin's icons.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
SESSION_COOKIE_HTTPONLY = True

# Load shedding (config.shedding): a page asked for that waited longer than this in the queue
# (proxy's X-Request-Start or gunicorn's stamp) is answered 503 "busy, try again in
# SHED_RETRY_AFTER_SECONDS" at once. Saves and submissions are never shed.
SHED_AFTER_SECONDS = env.float("SHED_AFTER_SECONDS", default=2.0)
SHED_RETRY_AFTER_SECONDS = env.int("SHED_RETRY_AFTER_SECONDS", default=10)
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# E-mail (password resets): the backend from EMAIL_URL (django-environ's e-mail URL, e.g.
# smtp+tls://user:password@mail.example.vn:587 in production); the leaves set the default:
# the console in the quick start and the demo, an SMTP server on localhost in production,
# memory in the tests.
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Hội LHPN Việt Nam <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# A reset link in the mail is good for this long (Django's default is three days).
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=60 * 60 * 24)


def email(url: str) -> dict[str, Any]:
    """EMAIL_BACKEND, EMAIL_HOST and friends from an e-mail URL."""
    return {k: v for k, v in env.email_url_config(url).items() if v not in (None, "")}


# Uploads: what a file may be before anything parses or keeps it (common.uploads, the one gate
# of the legacy import, the member import, attachments and the admin's imports). Measured on
# real sheets: 200,000 long-shape rows (IMPORT_MAX_ROWS) are a 3.8 MB .xlsx unpacking to 42 MB,
# its sheet compressed 11.6:1 (15.4:1 when every row is the same); a 2,000-member register is
# 82 KB unpacking to 0.8 MB (10:1). So 100 MB unpacked and 100:1 per part leave 2.4x and 6x of
# room, while the probe's zip bomb (1.37 MB -> ~280 MB, ~200:1) is refused on both counts.
IMPORT_MAX_UPLOAD_BYTES = env.int("IMPORT_MAX_UPLOAD_BYTES", default=20 * 2**20)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=200_000)
IMPORT_MAX_ZIP_ENTRIES = env.int("IMPORT_MAX_ZIP_ENTRIES", default=200)
IMPORT_MAX_UNPACKED_BYTES = env.int("IMPORT_MAX_UNPACKED_BYTES", default=100 * 2**20)
UPLOAD_MAX_RATIO = env.int("UPLOAD_MAX_RATIO", default=100)
# A branch's register: 5 MB is ~100,000 members; 25 MB unpacked is ~60,000 rows (0.4 KB each).
MEMBER_IMPORT_MAX_BYTES = env.int("MEMBER_IMPORT_MAX_BYTES", default=5 * 2**20)
MEMBER_IMPORT_MAX_UNPACKED_BYTES = env.int("MEMBER_IMPORT_MAX_UNPACKED_BYTES", default=25 * 2**20)
# An activity's photo or minutes.
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=10 * 2**20)
# Files with more rows than this are previewed and committed by a Celery job, with progress.
IMPORT_INLINE_ROWS = env.int("IMPORT_INLINE_ROWS", default=5_000)
# A preview or commit whose heartbeat (every JOBS_HEARTBEAT_SECONDS, written by a thread even
# inside a commit's long transaction) has not moved for this long died with its worker; the
# sweep sends it again and the next run retakes it.
IMPORT_STALE_SECONDS = env.int("IMPORT_STALE_SECONDS", default=30)

# Admin exports (django-import-export): a leading "=" is never written as a formula. The portal's
# resources (config.resources) escape "+", "-", "@", tab and CR too, by common.spreadsheet.
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True

# Member import files (personal data) kept between the preview and the confirmation: an hour,
# then swept (members.import_files).
MEMBER_IMPORT_FILE_SECONDS = env.int("MEMBER_IMPORT_FILE_SECONDS", default=60 * 60)
