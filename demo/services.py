"""The demo: the four seed provinces, the catalogue, plausible branches and one user per level.

Branches (chi hội) are in no public list, so the demo invents a few per commune and marks them
`is_demo`; everything else is real (units from vietnam-provinces, catalogue from the documents).
"""

from __future__ import annotations

import datetime
import random
from collections import Counter
from dataclasses import dataclass

from django.db import transaction

from accounts.models import Role, User
from accounts.services import assign, ensure_user
from common.periods import previous_month
from demo.activities import add_demo_activities
from demo.results import add_demo_results
from demo.review import DemoReviewers, add_demo_review_states
from demo.targets import add_demo_year_targets
from indicators.catalogue.services import load_catalog
from indicators.catalogue.targets import is_additive, split_equally
from indicators.models import Target
from members import month_counts, synthetic
from members.gazetteer import fold, short_name_of
from members.models import Level, Member, Membership, MemberStatus, Unit
from members.services import ProvinceLoad, insert_units, load_units, save_new_members

SEED_PROVINCES = ["Khánh Hòa", "Cao Bằng", "Quảng Ninh", "Thừa Thiên Huế"]
BRANCHES_PER_COMMUNE = 3


@dataclass
class DemoAccount:
    username: str
    password: str
    role: str
    unit: Unit


@dataclass
class DemoSummary:
    provinces: list[ProvinceLoad]
    catalog: dict[str, Counter[str]]
    branches_created: int
    results_created: int
    accounts: list[DemoAccount]
    review_states_created: int = 0
    members_created: int = 0


def _branch_name(commune: Unit, number: int) -> str:
    village = "Tổ dân phố" if commune.name.startswith("Phường") else "Thôn"
    return f"Chi hội {village} {number}"


def add_demo_branches(communes: list[Unit], per_commune: int = BRANCHES_PER_COMMUNE) -> int:
    """A few branches for each commune that has none yet (so a second run adds nothing)."""
    with_branches = set(
        Unit.objects.filter(parent__in=communes, level=Level.BRANCH).values_list(
            "parent_id", flat=True
        )
    )
    branches = [
        Unit(
            level=Level.BRANCH,
            parent=commune,
            code=f"{commune.code}-CH{n:02d}",
            name=_branch_name(commune, n),
            valid_from=commune.valid_from,
            is_demo=True,
        )
        for commune in communes
        if commune.pk not in with_branches
        for n in range(1, per_commune + 1)
    ]
    return len(insert_units(branches))


def _slug(unit: Unit) -> str:
    return fold(short_name_of(unit.name)).replace(" ", "")


def _demo_accounts(provinces: list[Unit]) -> list[DemoAccount]:
    central = provinces[0].parent
    assert central is not None
    plan = [("admin", Role.ADMIN, central), ("trunguong", Role.VIEWER, central)]
    for province in provinces:
        slug = _slug(province)
        commune = Unit.objects.filter(parent=province, level=Level.COMMUNE).current().first()
        branch = Unit.objects.filter(parent=commune, level=Level.BRANCH).first()
        plan.append((f"tinh.{slug}", Role.REVIEWER, province))
        if commune is not None:
            plan.append((f"xa.{slug}", Role.ENTRY, commune))
        if branch is not None:
            plan.append((f"chihoi.{slug}", Role.VIEWER, branch))
    accounts = []
    for username, role, unit in plan:
        password = f"demo-{username}"
        user = ensure_user(username, password=password, superuser=username == "admin")
        assign(user, unit, role)
        accounts.append(DemoAccount(username, password, str(role.label), unit))
    return accounts


@transaction.atomic
def load_demo() -> DemoSummary:
    """Idempotent: a second run changes nothing and reports the same accounts."""
    loads = load_units(SEED_PROVINCES)
    catalog = load_catalog()
    provinces = [load.province for load in loads]
    communes = list(
        Unit.objects.within_any(provinces).filter(level=Level.COMMUNE).current().order_by("path")
    )
    created = add_demo_branches(communes)
    results = add_demo_results(provinces, last_month=previous_month())
    accounts = _demo_accounts(provinces)
    states = add_demo_review_states(_reviewers(provinces, accounts), last_month=previous_month())
    members = add_demo_members(provinces, last_day=previous_month() - datetime.timedelta(days=1))
    add_demo_year_targets(provinces, previous_month().year)
    add_demo_commune_targets(provinces)
    add_demo_activities(provinces)
    return DemoSummary(loads, catalog, created, results, accounts, states, members)


def add_demo_commune_targets(provinces: list[Unit]) -> int:
    """Each province target of the catalogue split equally among the province's communes (a
    rate's target is the province's), as a reviewer would on the targets page, so that the
    dashboards have targets to colour. Existing commune targets are kept."""
    rows = []
    for target in Target.objects.filter(unit__in=provinces).select_related("indicator", "unit"):
        communes = list(
            Unit.objects.filter(parent=target.unit, level=Level.COMMUNE)
            .valid_on(target.period_end)
            .order_by("path")
        )
        if not communes:
            continue
        if is_additive(target.indicator):
            shares = split_equally(target.value, len(communes))
        else:
            shares = [target.value] * len(communes)
        rows += [
            Target(unit=c, indicator=target.indicator, period_end=target.period_end, value=v,
                   note="demo: chia đều chỉ tiêu của tỉnh")
            for c, v in zip(communes, shares, strict=True)
        ]  # fmt: skip
    return len(Target.objects.bulk_create(rows, ignore_conflicts=True))


def _reviewers(provinces: list[Unit], accounts: list[DemoAccount]) -> list[DemoReviewers]:
    users = {a.username: a for a in accounts}

    def user(username: str) -> User | None:
        return User.objects.filter(username=username).first() if username in users else None

    return [DemoReviewers(p, user(f"tinh.{_slug(p)}"), user(f"xa.{_slug(p)}")) for p in provinces]


# The register: members in the branches of the first communes of each province (those the
# demo accounts work in), enough to search, filter and page through: a few hundred in all.
MEMBER_COMMUNES_PER_PROVINCE = 2
MEMBERS_PER_BRANCH = 20
# Cao Bằng is mostly Tày, Nùng and Mông; the other seed provinces mostly Kinh.
MINORITY_SHARE = {"04": 0.9}


def add_demo_members(provinces: list[Unit], *, last_day: datetime.date) -> int:
    """Synthetic members for the demo branches that have none yet (a second run adds none)."""
    new: list[Member] = []
    for province in provinces:
        communes = Unit.objects.filter(parent=province, level=Level.COMMUNE).current()
        for commune in communes[:MEMBER_COMMUNES_PER_PROVINCE]:
            for branch in Unit.objects.filter(parent=commune, level=Level.BRANCH, is_demo=True):
                if branch.members.exists():
                    continue
                new += _demo_branch_members(branch, province, last_day)
    created = save_new_members(new)
    ended = [m for m in created if m.status != MemberStatus.ACTIVE]
    for member in ended:
        Membership.objects.filter(member=member).update(
            ended_on=member.status_on, end_reason=member.status
        )
    # The ends were written past the services: the branches' monthly counts are recomputed.
    month_counts.rebuild(sorted({m.branch_id for m in ended}))
    return len(created)


def _demo_branch_members(branch: Unit, province: Unit, last_day: datetime.date) -> list[Member]:
    rng = random.Random(f"{branch.code}")
    share = MINORITY_SHARE.get(province.code, 0.05)
    members = []
    for name in synthetic.names(MEMBERS_PER_BRANCH, rng):
        joined = synthetic.join_date(rng, datetime.date(2015, 1, 1), last_day)
        status = synthetic.status(rng)
        later = joined + datetime.timedelta(days=rng.randrange(30, 1500))
        member = Member(
            branch=branch,
            joined_on=joined,
            status=status,
            status_on=joined if status == MemberStatus.ACTIVE else min(later, last_day),
            full_name=name,
            name_folded=fold(name),
            birth_year=rng.randint(1955, 2005),
            ethnicity=synthetic.ethnicity(rng, share),
            household=synthetic.household(rng),
            has_disability=rng.random() < 0.03,
            is_business_owner=rng.random() < 0.06,
            phone=f"09{rng.randrange(10**8):08d}",
        )
        members.append(member)
    return members
