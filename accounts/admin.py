from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts import access
from accounts.admin_scope import ScopedAdminMixin, ScopedInlineMixin, admin_user
from accounts.models import Assignment, User


class AssignmentForm(forms.ModelForm):
    """An assignment is a grant: the staff user must be allowed to give that role on that unit
    (access.may_grant), and, when changing one, to take the old one away."""

    granted_by: Any = None  # set by the admin that builds the form

    class Meta:
        model = Assignment
        fields = ["user", "unit", "role"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        grantor = self.granted_by
        unit, role = data.get("unit"), data.get("role")
        if grantor is None or unit is None or not role:
            return data
        if not access.may_grant(grantor, unit, role):
            raise forms.ValidationError(
                _("Bạn không được giao vai trò này cho đơn vị này."), code="grant"
            )
        before = self.instance
        if before.pk and not access.may_grant(grantor, before.unit, before.role):
            raise forms.ValidationError(
                _("Bạn không được giao vai trò này cho đơn vị này."), code="grant"
            )
        return data


def _with_grantor(form: Any, request: HttpRequest) -> Any:
    return type(form.__name__, (form,), {"granted_by": admin_user(request)})


class AssignmentFormSet(BaseInlineFormSet):
    """Removing an assignment is a grant too: refused outside what the user may grant."""

    def clean(self) -> None:
        super().clean()
        for row in self.deleted_forms:
            before = row.instance
            grantor = getattr(row, "granted_by", None)
            if (
                before.pk
                and grantor is not None
                and not access.may_grant(grantor, before.unit, before.role)
            ):
                raise forms.ValidationError(
                    _("Bạn không được giao vai trò này cho đơn vị này."), code="grant"
                )


class AssignmentInline(ScopedInlineMixin, admin.TabularInline):
    model = Assignment
    form = AssignmentForm
    formset = AssignmentFormSet
    extra = 1
    autocomplete_fields = ["unit"]

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = _with_grantor(formset.form, request)
        return formset

    def get_queryset(self, request: HttpRequest) -> QuerySet[Assignment]:
        rows = super().get_queryset(request)
        return access.scoped(rows, admin_user(request), access.Action.SEE)


def users_in_scope(user: User) -> QuerySet[User]:
    """The users a staff user may see and edit in the admin: not superusers, and with every
    assignment inside the units they administer; users with no assignment yet (just made)
    only when not staff. Everyone for a superuser."""
    rows = User.objects.all()
    if access.is_unrestricted(user):
        return rows
    mine = access.units_for(user, access.Action.ADMINISTER)
    outside = Assignment.objects.filter(user=OuterRef("pk")).exclude(unit__in=mine)
    any_assignment = Assignment.objects.filter(user=OuterRef("pk"))
    return rows.filter(
        ~Exists(outside),
        Q(Exists(any_assignment)) | Q(is_staff=False),
        is_superuser=False,
    )


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Users held to the staff user's scope (users_in_scope); only a superuser sets the
    superuser flag, groups or permissions, so nobody gives more than they have."""

    inlines = [AssignmentInline]
    list_display = ["username", "first_name", "last_name", "email", "is_active", "is_superuser"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return users_in_scope(admin_user(request)).order_by("username")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if not access.is_unrestricted(admin_user(request)):
            fields += ["is_superuser", "groups", "user_permissions"]
        return fields

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not access.is_unrestricted(admin_user(request)):
            obj.is_superuser = False  # read-only for them; never set by a forged post either
        super().save_model(request, obj, form, change)


@admin.register(Assignment)
class AssignmentAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Grants: listed within the staff user's units; each add, change or delete is a grant the
    staff user must be allowed to make (access.may_grant)."""

    form = AssignmentForm
    list_display = ["user", "unit", "role"]
    list_filter = ["role", "unit__level"]
    search_fields = ["user__username", "user__last_name", "unit__name", "unit__code"]
    autocomplete_fields = ["user", "unit"]
    list_select_related = ["user", "unit"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False,
                 **kwargs: Any) -> Any:  # fmt: skip
        return _with_grantor(super().get_form(request, obj, change, **kwargs), request)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.related_model is User:
            kwargs["queryset"] = users_in_scope(admin_user(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        if obj is None or not allowed:
            return allowed
        return access.may_grant(admin_user(request), obj.unit, obj.role)
