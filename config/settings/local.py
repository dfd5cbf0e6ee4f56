"""The quick start and development: with nothing set, a PostgreSQL of the checkout's own under
var/ (config.localservices starts it), Celery tasks run in-process, and a secret key is made once
in var/. DATABASE_URL and REDIS_URL point it at other servers."""

import secrets

from config import localservices

from .base import *  # noqa: F403
from .base import VAR_DIR, database, email, env


def _local_secret_key() -> str:
    """A per-checkout key, kept out of git in var/."""
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = env.str("SECRET_KEY", default="") or _local_secret_key()
DATABASE_URL = env.str("DATABASE_URL", default="") or localservices.database_url()
DATABASES = {"default": database(DATABASE_URL)}
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
# Password-reset mails are printed by the console (runserver's terminal) unless EMAIL_URL names
# a server.
vars().update(email(env.str("EMAIL_URL", default="consolemail://")))
