"""The admin's imports (django-import-export) through the one upload gate (common.uploads):
every ImportExportModelAdmin sets `import_form_class = GatedImportForm` and offers only CSV and
.xlsx to import (`import_formats = IMPORT_FORMATS`), the two sheet kinds the gate knows."""

from __future__ import annotations

from typing import Any

from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ImportForm

from common import uploads

IMPORT_FORMATS = [CSV, XLSX]


class GatedImportForm(ImportForm):
    def clean_import_file(self) -> Any:
        return uploads.clean_upload(self.cleaned_data.get("import_file"), uploads.sheet_rules())
