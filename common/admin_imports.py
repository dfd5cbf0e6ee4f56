"""The admin's imports (django-import-export) through the one upload gate (common.uploads):
every ImportExportModelAdmin sets `import_form_class = GatedImportForm` and offers only CSV and
.xlsx to import (`import_formats = IMPORT_FORMATS`), the two sheet kinds the gate knows."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ImportForm

from common import uploads

IMPORT_FORMATS = [CSV, XLSX]


class GatedImportForm(ImportForm):
    def clean_import_file(self) -> Any:
        upload = self.cleaned_data.get("import_file")
        if isinstance(upload, UploadedFile):
            try:
                uploads.check(upload, uploads.sheet_rules())
            except uploads.UnsafeFile as exc:
                raise forms.ValidationError(str(exc)) from exc
        return upload
