"""The columns every background job has, as an abstract model (no table, no app needed).

A job is queued, then taken by a worker (started: attempts + 1, heartbeat), moves its progress
(each move is a heartbeat), and ends in a final state: done, or failed with a reason. Which
states a kind of job has is its own business (an import has "previewing" and "committing"): the
concrete model overrides `state` with its choices and names its active states; the lifecycle
(jobs.lifecycle) only needs to know which states are active, and that "queued" and "failed" are
spelled so by every kind.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _


class Job(models.Model):
    QUEUED: ClassVar[str] = "queued"
    FAILED: ClassVar[str] = "failed"
    # The states in which a worker still has something to do (queued included): only these
    # can be stale, swept, or retaken.
    ACTIVE_STATES: ClassVar[tuple[str, ...]] = ("queued",)

    # Each kind overrides the field with its own choices (same column).
    state = models.CharField(_("trạng thái"), max_length=16, default="queued")
    progress = models.PositiveSmallIntegerField(_("tiến độ (%)"), default=0)
    error = models.TextField(_("lý do lỗi"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("số lần chạy"), default=0)
    created_at = models.DateTimeField(_("yêu cầu lúc"), auto_now_add=True)
    started_at = models.DateTimeField(_("bắt đầu lúc"), null=True, blank=True)
    finished_at = models.DateTimeField(_("xong lúc"), null=True, blank=True)
    # Written at every step of a run: an active job silent for long has lost its worker.
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The outbox's acknowledgement: when the broker took the job's message. A queued job without
    # it (the broker was down when it was asked for) is sent again by the sweep.
    dispatched_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE_STATES
