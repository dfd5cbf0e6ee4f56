# syntax=docker/dockerfile:1
# Production image of the portal. One image runs three roles (see docker-compose.yml):
#   web     gunicorn + Django; whitenoise serves the static files collected here at build time
#   worker  celery -A config worker
#   beat    celery -A config beat
# Build: docker build -t hoilhpn-portal .

ARG PYTHON_IMAGE=python:3.12-slim

# ---------------------------------------------------------------------------------------------
# Build stage: dependencies, compiled translations (gettext), collected static files.
# gettext and the apt lists stay here; the runtime stage starts again from the slim image.
# ---------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS build

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app

RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

RUN python -m venv /opt/venv
WORKDIR /app

# Dependencies first, from pyproject.toml alone, so this layer stays cached while only the code
# changes. With no source copied yet, `pip install .` installs the dependencies plus an empty
# hoilhpn-portal distribution: the code itself is imported from /app (PYTHONPATH), never from
# site-packages. That matters: settings.BASE_DIR is derived from config/settings/base.py, and
# templates/, static/, locale/, data/ and var/ are looked up next to it, i.e. in /app.
COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir .

COPY . .

# compilemessages: locale/*.mo are not in git (.gitignore), they are built here.
# collectstatic: into var/static (STATIC_ROOT), hashed + compressed by whitenoise (DEBUG off).
# The production settings require their secrets from the environment; these build-time
# placeholders are never connected to and are not kept in the image (RUN-scoped variables).
# No var/secret_key is written (only the local settings make one), and the check proves it.
RUN export DJANGO_SETTINGS_MODULE=config.settings.production SECRET_KEY=build-only \
        DATABASE_URL=postgres://build@localhost/build REDIS_URL=redis://localhost:6379/0 \
    && python manage.py compilemessages \
    && python manage.py collectstatic --noinput -v1 \
    && python -c "import config; assert config.__file__ == '/app/config/__init__.py', config.__file__" \
    && python -m compileall -q /app \
    && test ! -e var/secret_key

# ---------------------------------------------------------------------------------------------
# Runtime stage
# ---------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    MEDIA_ROOT=/app/media

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --create-home --home-dir /home/app \
       --shell /usr/sbin/nologin app

COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app

# The code and the collected static files stay root-owned (read-only for the app user).
# Writable by the app user: var/ (settings may create files there), media/ (uploads; a named
# volume in docker-compose.yml, which copies this ownership on first use) and var/celerybeat/
# (beat's schedule file, also a named volume).
RUN mkdir -p /app/media /app/var/celerybeat \
    && chown app:app /app/var /app/media /app/var/celerybeat

WORKDIR /app
USER app
EXPOSE 8000

CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--config", "python:config.gunicorn"]
