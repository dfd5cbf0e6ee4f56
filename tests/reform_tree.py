"""A small tree across the 2025 reform, shared by tests/test_lineage.py and
tests/test_reform_figures.py:

    Trung ương
    ├── Tỉnh Khánh Hòa (56)                       continues after 2025-07-01
    │   ├── Huyện Diên Khánh (old, ends 2025-06-30)
    │   │   ├── Xã A (old)  ──┐
    │   │   ├── Xã B (old)  ──┼──> Xã ABC (new, from 2025-07-01): a merger of three
    │   │   └── Xã S (old)  ──┴──> split in two: Xã ABC and Xã D
    │   ├── Xã ABC (new)
    │   └── Xã D (new)
    └── Tỉnh Ninh Thuận (58, ends 2025-06-30)     merged into Khánh Hòa
        └── Huyện Ninh Hải (old)
            ├── Xã C (old)     ──> Xã ABC
            └── Xã D cũ (old)  ──> Xã D

Xã ABC = A + B + C (the third from the merged-in province); S went to both ABC and D, so it
belongs to the lowest unit holding both: Khánh Hòa.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from members.models import Level, Unit, UnitSuccession
from members.services import get_or_create_central
from tests import factories

OLD_END = datetime.date(2025, 6, 30)
REFORM = datetime.date(2025, 7, 1)


@dataclass
class Tree:
    central: Unit
    kh: Unit
    dien_khanh: Unit
    a: Unit
    b: Unit
    s: Unit
    abc: Unit
    d: Unit
    nt: Unit
    ninh_hai: Unit
    c: Unit
    d_old: Unit


def _old(parent: Unit, level: str, name: str, code: str) -> Unit:
    return factories.UnitFactory(level=level, name=name, code=code, parent=parent, valid_to=OLD_END)


def _new(parent: Unit, name: str, code: str) -> Unit:
    return factories.UnitFactory(
        level=Level.COMMUNE, name=name, code=code, parent=parent, valid_from=REFORM
    )


def build() -> Tree:
    central = get_or_create_central()
    kh = factories.province("Tỉnh Khánh Hòa", "56")
    nt = _old(central, Level.PROVINCE, "Tỉnh Ninh Thuận", "58")
    dien_khanh = _old(kh, Level.DISTRICT, "Huyện Diên Khánh", "571")
    ninh_hai = _old(nt, Level.DISTRICT, "Huyện Ninh Hải", "588")
    a = _old(dien_khanh, Level.COMMUNE, "Xã A", "22501")
    b = _old(dien_khanh, Level.COMMUNE, "Xã B", "22502")
    s = _old(dien_khanh, Level.COMMUNE, "Xã S", "22503")
    c = _old(ninh_hai, Level.COMMUNE, "Xã C", "22801")
    d_old = _old(ninh_hai, Level.COMMUNE, "Xã D cũ", "22802")
    abc = _new(kh, "Xã ABC", "22501")
    d = _new(kh, "Xã D", "22802")
    for old, new in ((a, abc), (b, abc), (c, abc), (s, abc), (s, d), (d_old, d)):
        UnitSuccession.objects.create(predecessor=old, successor=new, effective_on=REFORM)
    return Tree(central, kh, dien_khanh, a, b, s, abc, d, nt, ninh_hai, c, d_old)
