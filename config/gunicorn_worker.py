"""gunicorn's threaded worker, with each request stamped with the moment it was queued.

A gthread worker accepts connections into its own queue and hands them to its threads; under
load a request may wait there for seconds before Django sees it, and that wait is invisible to
Django. This worker notes when a connection became ready (accepted, or readable again on a
kept-alive connection) and passes it to Django as the `X-Gunicorn-Queued-At` header (seconds
since the epoch); config.shedding reads it. A value sent by the client is replaced.
"""

from __future__ import annotations

import time
from typing import Any

from gunicorn.workers.gthread import ThreadWorker

HEADER = "X-GUNICORN-QUEUED-AT"


class QueueStampedWorker(ThreadWorker):
    def enqueue_req(self, conn: Any) -> None:
        conn.queued_at = time.time()
        super().enqueue_req(conn)

    def handle_request(self, req: Any, conn: Any) -> Any:
        queued_at = getattr(conn, "queued_at", None)
        req.headers = [(name, value) for name, value in req.headers if name.upper() != HEADER]
        if queued_at is not None:
            req.headers.append((HEADER, f"{queued_at:.3f}"))
            conn.queued_at = None  # the next request on this connection is stamped anew
        return super().handle_request(req, conn)
