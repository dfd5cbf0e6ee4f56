from django.http import HttpRequest

from accounts.models import User


class AuthenticatedRequest(HttpRequest):
    """What a @login_required view receives: `user` is a real portal user."""

    user: User
