"""What every import/export admin of the portal shares."""

from __future__ import annotations

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from import_export.admin import ImportExportModelAdmin

from common.admin_imports import IMPORT_FORMATS, GatedImportForm


class PortalImportExportAdmin(ImportExportModelAdmin):
    """django-import-export's admin: its imports through the one upload gate (CSV and .xlsx
    only), and a malformed filter in the export page's address answered as the change list does
    (back to the list, flagged `?e=1`) instead of a server error."""

    import_form_class = GatedImportForm
    import_formats = IMPORT_FORMATS

    def export_action(self, request: HttpRequest) -> HttpResponse:
        try:
            return super().export_action(request)
        except IncorrectLookupParameters:
            return HttpResponseRedirect(f"{request.path.rsplit('export/', 1)[0]}?{ERROR_FLAG}=1")
