"""django-import-export resources for the Django admin: units and members.

Units: the tree is built by `load_units` (paths, validity, mergers), so an import here only
renames existing units (name, short name), matched by code and start date; a new code is an
error on its row. Members: new members of a branch, each checked by `members.services` rules
(age, phone, branch valid on the joining day) and saved in bulk with their first membership.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields, widgets

from accounts import access
from config.resources import AllOrNothingResource
from members.models import Member, Unit
from members.services import MemberData, MemberError, new_member, save_new_members


class UnitResource(AllOrNothingResource):
    parent_code = fields.Field("parent__code", "parent_code", readonly=True)

    class Meta:
        model = Unit
        fields = ("code", "name", "short_name", "level", "parent_code", "valid_from", "valid_to")
        import_id_fields = ("code", "valid_from")
        skip_diff = True
        use_bulk = True

    def get_bulk_update_fields(self) -> list[str]:
        return ["name", "short_name"]

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        self._units = {(u.code, u.valid_from): u for u in Unit.objects.exclude(code="")}

    def get_instance(self, instance_loader: Any, row: Any) -> Any:
        valid_from = widgets.DateWidget().clean(row.get("valid_from"))
        unit = self._units.get((str(row.get("code") or "").strip(), valid_from))
        if unit is None:
            raise ValidationError(
                _("không có đơn vị mã «%(code)s»: đơn vị mới được tạo bằng load_units")
                % {"code": row.get("code")}
            )
        return unit

    def import_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
        for name in ("name", "short_name"):
            if name in row and row[name] is not None:
                setattr(instance, name, str(row[name]).strip())


class MemberResource(AllOrNothingResource):
    branch = fields.Field("branch", "branch_code", widgets.ForeignKeyWidget(Unit, "code"))

    class Meta:
        model = Member
        fields = ("full_name", "birth_year", "ethnicity", "phone", "branch", "joined_on")
        import_id_fields: tuple[str, ...] = ()
        skip_diff = True
        use_bulk = True

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        """The branches the importing user may see (the admin passes `user`), by code; a code
        two of them share is refused rather than guessed."""
        branches = Unit.objects.filter(level="branch").exclude(code="")
        user = kwargs.get("user")
        if user is not None:
            branches = branches.filter(pk__in=access.visible_units(user).values("pk"))
        by_code: dict[str, list[Unit]] = {}
        for branch in branches:
            by_code.setdefault(branch.code, []).append(branch)
        self._branches = {code: found[0] for code, found in by_code.items() if len(found) == 1}

    def get_instance(self, instance_loader: Any, row: Any) -> Any:
        return None  # every row is a new member

    def import_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
        branch = self._branches.get(str(row.get("branch_code") or "").strip())
        if branch is None:
            raise ValidationError(
                {"branch": _("không có chi hội mã «%(code)s»") % {"code": row.get("branch_code")}}
            )
        year = row.get("birth_year")
        data = MemberData(
            full_name=str(row.get("full_name") or "").strip(),
            birth_year=int(year) if year not in (None, "") else None,
            ethnicity=str(row.get("ethnicity") or "01").strip(),
            phone=str(row.get("phone") or "").strip(),
        )
        try:
            member = new_member(
                branch=branch, joined_on=widgets.DateWidget().clean(row.get("joined_on")), data=data
            )
        except (MemberError, ValueError) as exc:
            raise ValidationError(str(exc)) from exc
        instance.__dict__.update(
            {k: v for k, v in member.__dict__.items() if not k.startswith("_")}
        )

    def bulk_create(self, using_transactions: bool, dry_run: bool, raise_errors: bool,
                    batch_size: int | None = None, result: Any = None) -> None:  # fmt: skip
        if self.create_instances and (using_transactions or not dry_run):
            save_new_members(self.create_instances)
        self.create_instances.clear()
