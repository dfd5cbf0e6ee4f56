"""Django's database sessions (SESSION_ENGINE) with fewer queries where a session starts and
ends: a login, which makes a new session key, and a logout, which deletes the row.

- A new key is not looked up first: Django's store draws a random 32-character key, asks the
  database whether it is taken, then INSERTs it; the INSERT is made so that a taken key fails
  (must_create) and `create` then draws another, so the look-up only repeated that check.
- A deleted session is one DELETE, not a SELECT of the row and then its DELETE.

Everything else (what is stored, expiry, `clearsessions`) is Django's.
"""

from __future__ import annotations

from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils.crypto import get_random_string


class SessionStore(DatabaseSessionStore):
    def _get_new_session_key(self) -> str:
        # Unique by the INSERT of `create` (save(must_create=True) raises CreateError on a taken
        # key, and `create` draws again), as Django's own store relies on between its look-up
        # and its INSERT.
        return get_random_string(32, VALID_KEY_CHARS)

    def delete(self, session_key: str | None = None) -> None:
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        self.model.objects.filter(session_key=session_key).delete()
