"""Django's database sessions (SESSION_ENGINE) with fewer queries where a session starts and
ends: a login, which gives the session a new key, and a logout, which deletes its row.

- A new key is INSERTed once, with the data the session holds when it is saved (for a login:
  the user, at the end of the request), instead of INSERTed empty at once (Django's `create`)
  and UPDATEd at the end of the request.
- It is not looked up first: the INSERT fails on a key already taken (must_create) and another
  is drawn, the check Django's store relies on between its look-up and its INSERT anyway.
- A deleted session is one DELETE, not a SELECT of the row and then its DELETE.

Everything else (what is stored, expiry, the cookie, `clearsessions`) is Django's.
"""

from __future__ import annotations

from django.contrib.sessions.backends.base import VALID_KEY_CHARS, CreateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils.crypto import get_random_string


class SessionStore(DatabaseSessionStore):
    #: The key was drawn by `create` and is not in the table yet: the next save INSERTs it.
    _unsaved = False

    def _get_new_session_key(self) -> str:
        return get_random_string(32, VALID_KEY_CHARS)  # unique by the INSERT (see _insert)

    def create(self) -> None:
        """A new key, INSERTed by the next save (the response's) with what the session then
        holds; as after Django's `create`, the session is modified and its data kept."""
        self._session_key = self._get_new_session_key()
        # The data in hand, or none: never read from the table under this key. (Django's
        # method, missing from django-stubs.)
        self._get_session(no_load=True)  # type: ignore[attr-defined]
        self._unsaved = True
        self.modified = True

    def save(self, must_create: bool = False) -> None:
        if not must_create and (self.session_key is None or self._unsaved):
            self._insert()
        else:
            super().save(must_create=must_create)

    def _insert(self) -> None:
        while True:
            if self.session_key is None:
                self._session_key = self._get_new_session_key()
            try:
                super().save(must_create=True)
            except CreateError:
                self._session_key = None  # taken: draw another
                continue
            self._unsaved = False
            return

    def delete(self, session_key: str | None = None) -> None:
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        self.model.objects.filter(session_key=session_key).delete()
