"""Settings by environment: `base` (shared), `local` (the quick start and development, the
default of manage.py and Celery), `production` (everything from the environment, the default of
the WSGI application and the image), `test` (pytest)."""
