"""Production: the database, the broker and the secret key come from the environment, or the
process refuses to start (docker-compose.yml sets them)."""

from .base import *  # noqa: F403
from .base import database, env

SECRET_KEY = env.str("SECRET_KEY")
DATABASES = {"default": database(env.str("DATABASE_URL"))}
REDIS_URL = env.str("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_ALWAYS_EAGER = False
