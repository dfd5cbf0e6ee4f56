"""Password change and reset: Django's own views under Vietnamese URLs (accounts/urls.py).

A reset never says whether an account exists: Django's PasswordResetView answers every address
with the same page and mails only the active users that have it. Setting a new password through
the mailed link also lifts a lock-out of that user name (django-axes): the owner of the mailbox
has shown who they are, which is what the lock waits for.
"""

from __future__ import annotations

from typing import Any

from axes.utils import reset as reset_axes
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.urls import reverse_lazy


class PasswordResetView(auth_views.PasswordResetView):
    success_url = reverse_lazy("password_reset_done")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        reset_axes(username=form.user.get_username())
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    success_url = reverse_lazy("password_change_done")
