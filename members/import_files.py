"""Member import files between the preview and the confirmation.

A register file is personal data. It is kept in Django's storage (not the session table, which
keeps a session for two weeks), under member-imports/<branch id>/, for at most
MEMBER_IMPORT_FILE_SECONDS: deleted when the import is confirmed or cancelled, when the file is
refused, when a member of the branch is anonymised (the file may hold their name), and by
`sweep_expired` (a Celery beat entry, members.tasks) once expired. The session holds only the
file's name, so one user cannot reach another's upload.
"""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

FOLDER = "member-imports"
SESSION_KEY = "member_import_file"


def _lifetime() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.MEMBER_IMPORT_FILE_SECONDS)


def keep(session: SessionBase, branch_id: int, content: bytes) -> str:
    """Stores an uploaded file for its confirmation, replacing the session's earlier one."""
    discard(session)
    name = default_storage.save(
        f"{FOLDER}/{branch_id}/{uuid.uuid4().hex}.xlsx", ContentFile(content)
    )
    session[SESSION_KEY] = name
    return name


def read(session: SessionBase, branch_id: int) -> bytes:
    """The session's pending file for `branch_id`; b"" when none, another branch's, or expired."""
    name = session.get(SESSION_KEY, "")
    if not name.startswith(f"{FOLDER}/{branch_id}/") or not default_storage.exists(name):
        return b""
    if timezone.now() - default_storage.get_modified_time(name) > _lifetime():
        discard(session)
        return b""
    with default_storage.open(name, "rb") as file:
        content: bytes = file.read()
    return content


def discard(session: SessionBase) -> None:
    """Deletes the session's pending file, if any (confirmed, cancelled or refused)."""
    name = session.pop(SESSION_KEY, "")
    if name.startswith(f"{FOLDER}/") and default_storage.exists(name):
        default_storage.delete(name)


def _files(folder: str) -> list[str]:
    if not default_storage.exists(folder):
        return []
    folders, files = default_storage.listdir(folder)
    return [f"{folder}/{name}" for name in files] + [
        path for sub in folders for path in _files(f"{folder}/{sub}")
    ]


def discard_branch(branch_id: int) -> int:
    """Deletes every pending file of a branch (a member of it was anonymised)."""
    names = _files(f"{FOLDER}/{branch_id}")
    for name in names:
        default_storage.delete(name)
    return len(names)


def sweep_expired(now: datetime.datetime | None = None) -> int:
    """Deletes the pending files older than their lifetime (an import left half-way); returns
    how many."""
    limit = (now or timezone.now()) - _lifetime()
    gone = 0
    for name in _files(FOLDER):
        if default_storage.get_modified_time(name) < limit:
            default_storage.delete(name)
            gone += 1
    return gone
