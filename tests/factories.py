"""Factories for realistic data: real unit names and codes of the seed provinces."""

from __future__ import annotations

import datetime
from typing import Any

import factory

from accounts.models import Assignment, Role, User
from indicators.models import CollectionLevel, Indicator, Periodicity, Rule
from members.models import Level, Member, Unit
from members.services import (
    MemberData,
    create_unit,
    get_or_create_central,
    new_member,
    save_new_members,
)
from programs.models import Program


class UnitFactory(factory.Factory):
    """Units go through members.services.create_unit so that path and depth are right."""

    class Meta:
        model = Unit

    level = Level.COMMUNE
    name = factory.Sequence(lambda n: f"Xã Thử Nghiệm {n}")
    code = factory.Sequence(lambda n: f"{90000 + n:05d}")
    parent = None

    @classmethod
    def _create(cls, model_class: type[Unit], *args: Any, **kwargs: Any) -> Unit:
        return create_unit(**kwargs)


def province(name: str = "Tỉnh Khánh Hòa", code: str = "56") -> Unit:
    return UnitFactory(level=Level.PROVINCE, name=name, code=code, parent=get_or_create_central())


def commune(parent: Unit, name: str, code: str) -> Unit:
    return UnitFactory(level=Level.COMMUNE, name=name, code=code, parent=parent)


def branch(parent: Unit, number: int = 1) -> Unit:
    return UnitFactory(
        level=Level.BRANCH,
        name=f"Chi hội Thôn {number}",
        code=f"{parent.code}-CH{number:02d}",
        parent=parent,
        is_demo=True,
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"canbo{n}")
    first_name = "Hoa"
    last_name = "Nguyễn Thị"
    password = factory.django.Password("mat-khau-2025")


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    user = factory.SubFactory(UserFactory)
    unit = None
    role = Role.ENTRY


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program
        django_get_or_create = ["code"]

    code = "DA939"
    name_vi = "Đề án 939: Hỗ trợ phụ nữ khởi nghiệp giai đoạn 2017–2025"
    start_year = 2017
    end_year = 2025


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator
        django_get_or_create = ["code"]

    program = factory.SubFactory(ProgramFactory)
    code = "939-01"
    name_vi = "Số phụ nữ khởi sự kinh doanh, khởi nghiệp được hỗ trợ"
    unit = "người"
    rule = Rule.CUMULATIVE
    level = CollectionLevel.COMMUNE
    periodicity = Periodicity.MONTH


def member(
    branch: Unit,
    full_name: str = "Nguyễn Thị Hoà",
    *,
    joined_on: datetime.date = datetime.date(2024, 3, 8),
    birth_year: int = 1985,
    **fields: Any,
) -> Member:
    """A member saved through the register's own path (folded name, first membership)."""
    data = MemberData(full_name=full_name, birth_year=birth_year, **fields)
    return save_new_members([new_member(branch=branch, joined_on=joined_on, data=data)])[0]
