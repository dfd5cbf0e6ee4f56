"""Production: the database, the broker and the secret key come from the environment, or the
process refuses to start (docker-compose.yml sets them)."""

from .base import *  # noqa: F403
from .base import database, email, env

SECRET_KEY = env.str("SECRET_KEY")
DATABASES = {"default": database(env.str("DATABASE_URL"))}
REDIS_URL = env.str("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_ALWAYS_EAGER = False
# Password-reset mails through SMTP: EMAIL_URL, e.g. smtp+tls://user:password@mail.example.vn:587
# (default: a mail server on the host itself, port 25).
vars().update(email(env.str("EMAIL_URL", default="smtp://localhost:25")))
