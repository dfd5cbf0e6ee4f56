"""The English translation is kept complete: `make messages` refreshes the .po from the code
(make test runs it first), and this fails on any string left untranslated or fuzzy."""

from pathlib import Path

import polib
from django.conf import settings

PO_FILE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"


def test_every_string_has_an_english_translation() -> None:
    catalog = polib.pofile(str(PO_FILE))
    missing = [e.msgid for e in catalog.untranslated_entries()]
    fuzzy = [e.msgid for e in catalog.fuzzy_entries()]

    assert not missing, f"untranslated: {missing}"
    assert not fuzzy, f"fuzzy: {fuzzy}"
    assert len(catalog.translated_entries()) > 50
