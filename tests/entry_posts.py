"""Posting the entry form as a browser does: with the month's version the page was opened at
(the hidden `version` field), which a save must carry (indicators.views.entry)."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client

VERSION = re.compile(r'name="version" value="(\d+)"')


def form_version(client: Client, url: str) -> str | None:
    """The version the form at `url` shows now (None when the page has no form)."""
    response = client.get(url)
    match = VERSION.search(response.content.decode()) if response.status_code == 200 else None
    return match.group(1) if match else None


def entry_post(client: Client, url: str, data: dict[str, Any]) -> Any:
    """Opens the form, then posts `data` with the version it showed (unless `data` has one)."""
    version = form_version(client, url)
    return client.post(url, ({"version": version} if version is not None else {}) | data)
