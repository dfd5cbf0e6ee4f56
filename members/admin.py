from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from accounts import access
from accounts.admin_scope import ScopedAdminMixin, admin_user
from common.admin_imports import IMPORT_FORMATS, GatedImportForm
from indicators.figures import coverage
from members import services
from members.exports import export_unit
from members.models import ExportSource, Member, MemberCardView, MemberExport, Unit, UnitSuccession
from members.resources import MemberResource, UnitResource
from members.selectors import MemberFilter, visible_members

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise


class ValidityFilter(admin.SimpleListFilter):
    title = _("hiệu lực")
    parameter_name = "validity"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin
    ) -> list[tuple[str, StrPromise]]:
        return [("current", _("Đang hoạt động")), ("ended", _("Đã giải thể/sáp nhập"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Unit]) -> QuerySet[Unit]:
        today = timezone.localdate()
        if self.value() == "current":
            return Unit.objects.valid_on(today).filter(pk__in=queryset.values("pk"))
        if self.value() == "ended":
            return queryset.filter(valid_to__lt=today)
        return queryset


@admin.register(Unit)
class UnitAdmin(ScopedAdminMixin, ImportExportModelAdmin):
    import_form_class = GatedImportForm
    import_formats = IMPORT_FORMATS
    scope_field = "pk"
    resource_classes = [UnitResource]
    # Ordered by path, every unit is followed by its subtree: the list reads as the tree.
    list_display = ["tree_name", "code", "level", "valid_from", "valid_to", "is_demo"]
    list_filter = ["level", ValidityFilter, "is_demo"]
    search_fields = ["name", "short_name", "code"]
    ordering = ["path"]
    readonly_fields = ["parent", "path", "depth"]
    list_per_page = 200

    @admin.display(description=_("tên"), ordering="path")
    def tree_name(self, unit: Unit) -> str:
        # Indented by em and en spaces (1.5 em a level), not a style attribute: the
        # Content-Security-Policy allows no inline style.
        return format_html("{}{}", "\u2003\u2002" * unit.depth, unit.name)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Units come from load_units and, later, from dated restructurings: editing a path by
        # hand would corrupt the tree.
        return False

    def save_model(self, request: HttpRequest, obj: Unit, form: Any, change: bool) -> None:
        before = Unit.objects.get(pk=obj.pk) if change else None
        super().save_model(request, obj, form, change)
        if before is not None:  # the rolled-up coverage counts units by their dates
            coverage.revalidate(obj, coverage.validity(before))


@admin.register(UnitSuccession)
class UnitSuccessionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_field = "successor"

    list_display = ["predecessor", "successor", "effective_on"]
    search_fields = ["predecessor__name", "successor__name", "predecessor__code"]
    list_select_related = ["predecessor", "successor"]
    raw_id_fields = ["predecessor", "successor"]


class MemberAdminForm(forms.ModelForm):
    """The member's card in the admin, checked by the register's own rules (members.services):
    the personal fields as the page's form checks them, the branch as a move (the user must
    edit the members of both branches; the new one must be a branch open today)."""

    class Meta:
        model = Member
        fields = [
            "full_name", "birth_year", "birth_date", "ethnicity", "religion", "phone",
            "household", "has_disability", "is_business_owner", "branch", "joined_on",
        ]  # fmt: skip

    user: Any = None  # set by MemberAdmin.get_form

    def data_of(self) -> services.MemberData:
        data = self.cleaned_data
        return services.MemberData(
            full_name=data.get("full_name") or "",
            birth_year=data.get("birth_year"),
            birth_date=data.get("birth_date"),
            ethnicity=data.get("ethnicity") or "",
            religion=data.get("religion") or "",
            phone=data.get("phone") or "",
            household=data.get("household") or "",
            has_disability=bool(data.get("has_disability")),
            is_business_owner=bool(data.get("is_business_owner")),
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        before = Member.objects.select_related("branch").get(pk=self.instance.pk)
        try:
            services.ensure_may_edit(self.user, before.branch)
            if before.is_anonymised:
                raise services.MemberError("", str(_("Hội viên đã được ẩn danh: không sửa được.")))
            for problem in services.check_member_data(self.data_of()):
                self.add_error(problem.field if problem.field in self.fields else None,
                               problem.message)  # fmt: skip
            branch = data.get("branch")
            if branch is not None and branch.pk != before.branch_id:
                services.ensure_may_edit(self.user, branch)
                services.check_move(before, branch, timezone.localdate())
        except services.MemberRefused as exc:
            raise forms.ValidationError(str(exc)) from exc
        except services.MemberError as exc:
            self.add_error(exc.field if exc.field in self.fields else None, exc.message)
        return data


@admin.register(Member)
class MemberAdmin(ScopedAdminMixin, SimpleHistoryAdmin, ImportExportModelAdmin):
    """New members of a branch from a file (each checked like the register's form); changes
    through the register's services (personal fields, a move to another branch); no add or
    delete here (the pages add; anonymisation, not deletion, honours a request to erase).
    Every export and card opened is recorded, as on the pages."""

    import_form_class = GatedImportForm
    import_formats = IMPORT_FORMATS
    scope_field = "branch"
    write_action = access.Action.EDIT_MEMBERS
    scoped_import = True
    form = MemberAdminForm
    resource_classes = [MemberResource]
    list_display = ["full_name", "birth_year", "branch", "joined_on", "status"]
    list_filter = ["status"]
    search_fields = ["full_name", "branch__code"]
    list_select_related = ["branch"]
    raw_id_fields = ["branch"]

    readonly_fields = ["status", "status_on", "anonymised_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Member]:
        """Personal data: a staff user sees the members of their own units only."""
        return visible_members(admin_user(request))

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False,
                 **kwargs: Any) -> Any:  # fmt: skip
        form: Any = super().get_form(request, obj, change, **kwargs)
        form.user = admin_user(request)
        return form

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @transaction.atomic
    def save_model(self, request: HttpRequest, obj: Member, form: Any, change: bool) -> None:
        """Through the services, on the member as stored (the form checked the same rules)."""
        user = admin_user(request)
        member = Member.objects.select_related("branch").get(pk=obj.pk)
        services.update_member(
            user=user, member=member, data=form.data_of(), joined_on=form.cleaned_data["joined_on"]
        )
        branch = form.cleaned_data["branch"]
        if branch.pk != member.branch_id:
            services.move_member(
                user=user, member=member, to_branch=branch, on=timezone.localdate()
            )
        obj.refresh_from_db()

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: Any = None) -> HttpResponse:  # fmt: skip
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            member = self.get_object(request, object_id)
            if member is not None:
                services.record_card_view(
                    user=admin_user(request), member=member, source=ExportSource.ADMIN
                )
        return response

    def has_export_permission(self, request: HttpRequest) -> bool:
        """Members leave the admin as a file only for the roles that may export them."""
        user = admin_user(request)
        return super().has_export_permission(request) and (
            access.may_anywhere(user, access.Action.EXPORT_MEMBERS)
        )

    def get_export_queryset(self, request: HttpRequest) -> QuerySet[Member]:
        rows: QuerySet[Member] = super().get_export_queryset(request)
        return access.scoped(
            rows, admin_user(request), access.Action.EXPORT_MEMBERS, field="branch"
        )

    def get_export_data(self, file_format: Any, request: HttpRequest, queryset: Any,
                        **kwargs: Any) -> Any:  # fmt: skip
        """The file, with the export recorded: who, when, unit, row count (no search text)."""
        data = super().get_export_data(file_format, request, queryset, **kwargs)
        user = admin_user(request)
        searched = MemberFilter(q=request.GET.get("q", ""))
        services.record_export(
            user=user,
            filters=searched.as_record(),
            row_count=queryset.count(),
            unit=export_unit(user, MemberFilter()),
            source=ExportSource.ADMIN,
        )
        return data


class PersonalDataLogAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Read-only logs of who read personal data, scoped like the rest of the admin."""

    list_filter = ["source"]
    list_select_related = ["user", "unit"]
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(MemberExport)
class MemberExportAdmin(PersonalDataLogAdmin):
    list_display = ["at", "user", "unit", "source", "row_count", "filters"]


@admin.register(MemberCardView)
class MemberCardViewAdmin(PersonalDataLogAdmin):
    list_display = ["at", "user", "unit", "member", "source"]
