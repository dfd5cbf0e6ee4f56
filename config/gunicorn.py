"""gunicorn's settings for the image and docker-compose (`--config python:config.gunicorn`).

The access log names each request by its path alone (`%(U)s`), never its query string: the
register's address carries the names searched for (?q=...) and filters, which are personal
data, and so does the Referer header, which is not logged either.
"""

accesslog = "-"
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s "%(a)s"'
