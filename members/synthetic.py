"""Synthetic members with realistic Vietnamese names, for the demo and the bench.

Family names follow their rough shares in the population (Nguyễn about 38%, Trần 11%, Lê
9.5%...); women's middle names are mostly "Thị"; given names are common women's names. All
generated here, nothing copied from a real register.
"""

from __future__ import annotations

import datetime
import random

from members import ethnicities
from members.models import Household, MemberStatus

FAMILY_NAMES: list[tuple[str, float]] = [
    ("Nguyễn", 38), ("Trần", 11), ("Lê", 9.5), ("Phạm", 7), ("Hoàng", 4), ("Huỳnh", 3),
    ("Phan", 4.5), ("Vũ", 2.5), ("Võ", 2.5), ("Đặng", 2.1), ("Bùi", 2), ("Đỗ", 1.4),
    ("Hồ", 1.3), ("Ngô", 1.3), ("Dương", 1), ("Lý", 0.5), ("Đinh", 0.6), ("Trương", 0.6),
    ("Lương", 0.4), ("Đoàn", 0.5), ("Mai", 0.4), ("Tạ", 0.2), ("Nông", 0.3), ("Lò", 0.2),
    ("Hà", 0.4), ("Triệu", 0.2), ("Cao", 0.3), ("Lâm", 0.3), ("Quách", 0.1), ("Châu", 0.2),
]  # fmt: skip
MIDDLE_NAMES: list[tuple[str, float]] = [
    ("Thị", 70), ("Ngọc", 5), ("Thu", 3), ("Thanh", 3), ("Kim", 3), ("Minh", 2), ("Phương", 2),
    ("Hồng", 2), ("Bích", 2), ("Mỹ", 2), ("Thuỳ", 1), ("Diệu", 1), ("Hoài", 1), ("Khánh", 1),
    ("Bảo", 1), ("Xuân", 1),
]  # fmt: skip
GIVEN_NAMES = [
    "Hoa", "Lan", "Hương", "Hà", "Linh", "Trang", "Thảo", "Ngọc", "Mai", "Hằng", "Nga",
    "Phương", "Thuỷ", "Hạnh", "Yến", "Dung", "Loan", "Nhung", "Oanh", "Hiền", "Huyền", "Giang",
    "Vân", "Anh", "Thu", "Xuân", "Hoà", "Liên", "Tuyết", "Nhàn", "Quyên", "Diệp", "Châu",
    "Nguyệt", "Thơm", "Lụa", "Sen", "Cúc", "Đào", "Hồng", "Bích", "Ánh", "Duyên", "Ly",
    "Vy", "Trinh", "Thư", "Tâm", "Hậu", "Nhi", "My", "Thắm", "Lý", "Thanh", "Uyên", "Phượng",
    "Mến", "Gấm", "Hải", "Ngân",
]  # fmt: skip
# A second given syllable for some names ("Ngọc Ánh", "Thu Hà").
SECOND_SYLLABLE_SHARE = 0.25


def _weighted(pairs: list[tuple[str, float]]) -> tuple[list[str], list[float]]:
    return [p[0] for p in pairs], [p[1] for p in pairs]


_FAMILY = _weighted(FAMILY_NAMES)
_MIDDLE = _weighted(MIDDLE_NAMES)


def names(count: int, rng: random.Random) -> list[str]:
    families = rng.choices(_FAMILY[0], _FAMILY[1], k=count)
    middles = rng.choices(_MIDDLE[0], _MIDDLE[1], k=count)
    out = []
    for family, middle in zip(families, middles, strict=True):
        given = rng.choice(GIVEN_NAMES)
        if rng.random() < SECOND_SYLLABLE_SHARE:
            given = f"{rng.choice(GIVEN_NAMES)} {given}"
        out.append(f"{family} {middle} {given}")
    return out


def ethnicity(rng: random.Random, minority_share: float) -> str:
    if rng.random() >= minority_share:
        return ethnicities.KINH
    return rng.choice([code for code, _name in ethnicities.ETHNIC_GROUPS[1:12]])


def household(rng: random.Random) -> str:
    roll = rng.random()
    return Household.POOR if roll < 0.04 else Household.NEAR_POOR if roll < 0.09 else ""


def status(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.03:
        return MemberStatus.LEFT
    if roll < 0.05:
        return MemberStatus.MOVED
    return MemberStatus.DECEASED if roll < 0.06 else MemberStatus.ACTIVE


def join_date(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    return first + datetime.timedelta(days=rng.randrange((last - first).days + 1))
