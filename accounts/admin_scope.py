"""The Django admin (/quan-tri/) held to the portal's own rules (accounts.access).

Every ModelAdmin of a unit's rows mixes in `ScopedAdminMixin` and names the way from its model
to the unit (`scope_field`: "unit", "branch", "activity__unit", "pk" for units themselves).
Then, for a staff user who is not a superuser:
- lists, exports, actions, the change, delete and history pages and the autocomplete all read
  `get_queryset`, narrowed here to the units the user may see (Action.SEE): a row of another
  unit is not listed, and opening it answers as for a missing id;
- changing or deleting a row needs ADMINISTER (the admin role) over its unit, and a foreign
  key to a unit offers only those units;
- imports are for superusers, except where a resource checks each row against the importing
  user's scope itself (`scoped_import`: results, members).
Superusers keep the whole admin, as in the pages. Model permissions still apply on top: this
narrows what Django's permissions allow, it never widens it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db.models import ForeignKey, Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from accounts import access
from members.models import Unit

if TYPE_CHECKING:
    from accounts.models import User

    _Base = admin.ModelAdmin[Any]
else:
    _Base = object


def admin_user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


class ScopedAdminMixin(_Base):
    """Narrows an admin to the staff user's units; see the module's docstring."""

    # The lookup from the model to its unit; "pk" when the model is Unit.
    scope_field: str = "unit"
    # What changing or deleting a row needs over its unit (members: EDIT_MEMBERS, as on the
    # register's pages).
    write_action: access.Action = access.Action.ADMINISTER
    # Whether the import resource checks every row against the user's scope (see module doc).
    scoped_import: bool = False

    def _unit_of(self, obj: Model) -> Unit | None:
        if self.scope_field == "pk":
            return obj if isinstance(obj, Unit) else None
        value: Any = obj
        for part in self.scope_field.split("__"):
            value = getattr(value, part, None)
            if value is None:
                return None
        return value if isinstance(value, Unit) else None

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        rows = super().get_queryset(request)
        return access.scoped(rows, admin_user(request), access.Action.SEE, field=self.scope_field)

    def _may_write(self, request: HttpRequest, obj: Model | None) -> bool:
        user = admin_user(request)
        if access.is_unrestricted(user):
            return True
        if obj is None:  # the list's buttons and actions: rows are checked one by one
            return access.may_anywhere(user, self.write_action)
        unit = self._unit_of(obj)
        return unit is not None and access.can(user, self.write_action, unit)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and self._may_write(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and self._may_write(request, obj)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return super().has_add_permission(request, *args) and self._may_write(request, None)

    def has_import_permission(self, request: HttpRequest) -> bool:
        parent: Any = super()
        allowed = bool(parent.has_import_permission(request))
        return allowed and (self.scoped_import or access.is_unrestricted(admin_user(request)))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        """The delete action: only rows the user may delete, one by one (no row of a unit
        outside their ADMINISTER reach goes, even when they may see it)."""
        if not access.is_unrestricted(admin_user(request)):
            for obj in queryset:
                if not self.has_delete_permission(request, obj):
                    raise Http404
        super().delete_queryset(request, queryset)

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> Any:
        user = admin_user(request)
        if db_field.related_model is Unit and not access.is_unrestricted(user):
            kwargs["queryset"] = access.units_for(user, self.write_action)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: Any = None
    ) -> HttpResponse:
        """django-simple-history shows the history of a row it cannot find (a deleted one)
        from the history table alone: for a staff user, only rows in their scope."""
        self._ensure_in_scope(request, object_id)
        parent: Any = super()
        response: HttpResponse = parent.history_view(request, object_id, extra_context)
        return response

    def _ensure_in_scope(self, request: HttpRequest, object_id: str) -> None:
        if access.is_unrestricted(admin_user(request)):
            return
        try:
            found = self.get_queryset(request).filter(pk=unquote(object_id)).exists()
        except (ValueError, ValidationError):
            found = False
        if not found:
            raise Http404

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None
    ) -> HttpResponse:
        """django-simple-history opens a past version by id from the history table: only
        once the row itself is in the user's scope."""
        self._ensure_in_scope(request, object_id)
        parent: Any = super()
        response: HttpResponse = parent.history_form_view(
            request, object_id, version_id, extra_context
        )
        return response


class ScopedInlineMixin(_Base):
    """For inlines: a foreign key to a unit offers only the units the user administers."""

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> Any:
        user = admin_user(request)
        if db_field.related_model is Unit and not access.is_unrestricted(user):
            kwargs["queryset"] = access.units_for(user, access.Action.ADMINISTER)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
