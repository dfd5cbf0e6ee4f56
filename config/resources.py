"""What every django-import-export resource of the portal shares: all-or-nothing imports, and
exports whose every cell goes through `common.spreadsheet.safe_cell` (the library's own
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT, also on, strips a leading "=" only and leaves
"+", "-", "@", tab and carriage return live)."""

from __future__ import annotations

from typing import Any

from import_export import resources

from common.spreadsheet import safe_cell


class AllOrNothingResource(resources.ModelResource):
    """A file is imported whole or not at all: one invalid row rolls back every row, as in
    every other way of loading data into the portal (the admin's confirm step never runs
    with errors, and scripts calling `import_data` get the same rule)."""

    def import_data(self, dataset: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("rollback_on_validation_errors", True)
        kwargs.setdefault("use_transactions", True)
        return super().import_data(dataset, *args, **kwargs)

    def export_field(self, field: Any, instance: Any, **kwargs: Any) -> Any:
        return safe_cell(super().export_field(field, instance, **kwargs))
