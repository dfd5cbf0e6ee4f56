"""Reads the official administrative units from the `vietnam-provinces` package.

This module is the only one that imports the package; it returns plain `UnitSpec`s, so the rest
of the portal does not depend on the package's types.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass, field

from vietnam_provinces import Province, Ward
from vietnam_provinces.legacy import District as LegacyDistrict
from vietnam_provinces.legacy import Province as LegacyProvince
from vietnam_provinces.legacy import Ward as LegacyWard

from members.models import Level

# Re-exported: callers (demo, indicators) import it from here.
from members.text import fold as fold

# The first day of the 2025 map (no districts, 34 provinces); the old map ends the day before.
REFORM_DATE = datetime.date(2025, 7, 1)
LEGACY_END = REFORM_DATE - datetime.timedelta(days=1)

# Names people still use for a province that the package knows under another name.
PROVINCE_ALIASES = {"thua thien hue": "Huế"}

# Longest first, so "Thành phố" wins over a shorter prefix.
_NAME_PREFIXES = sorted(
    ["Tỉnh", "Thành phố", "Huyện", "Quận", "Thị xã", "Xã", "Phường", "Thị trấn", "Đặc khu"],
    key=len,
    reverse=True,
)


@dataclass
class UnitSpec:
    level: str
    code: str
    name: str
    valid_from: datetime.date | None = None
    valid_to: datetime.date | None = None
    children: list[UnitSpec] = field(default_factory=list)

    @property
    def short_name(self) -> str:
        return short_name_of(self.name)


@dataclass
class ProvinceSpec:
    """A province on the current map, with its pre-2025 sources and the commune mergers."""

    current: UnitSpec
    legacy: list[UnitSpec]
    # (old commune code, new commune code) pairs.
    successions: list[tuple[str, str]]


def short_name_of(name: str) -> str:
    """ "Xã Ba Vì" -> "Ba Vì"; a name without a known prefix is kept whole."""
    for prefix in _NAME_PREFIXES:
        if name.startswith(prefix + " ") and len(name) > len(prefix) + 1:
            return name[len(prefix) + 1 :]
    return name


def find_province(name_or_code: str) -> Province:
    """The current province for a name ("Cao Bằng", "Thừa Thiên Huế") or a code ("04")."""
    text = name_or_code.strip()
    if text.isdigit():
        return Province.from_code(int(text))  # type: ignore[arg-type]
    query = PROVINCE_ALIASES.get(fold(text), text)
    matches = [p for p in Province.search(query) if fold(short_name_of(p.name)) == fold(query)]
    if len(matches) != 1:
        raise LookupError(text)
    return matches[0]


def province_code(code: int) -> str:
    return f"{code:02d}"


@functools.cache
def current_province_names() -> dict[str, str]:
    """Code -> name of every province on the current map."""
    return {province_code(p.code.value): p.name for p in Province.iter_all()}


def _district_code(code: int) -> str:
    return f"{code:03d}"


def _commune_code(code: int) -> str:
    return f"{code:05d}"


def _legacy_tree(source: LegacyProvince) -> UnitSpec:
    province = UnitSpec(
        Level.PROVINCE, province_code(source.code.value), source.name, valid_to=LEGACY_END
    )
    for district in LegacyDistrict.iter_by_province(source.code):
        node = UnitSpec(
            Level.DISTRICT, _district_code(district.code.value), district.name, valid_to=LEGACY_END
        )
        node.children = [
            UnitSpec(Level.COMMUNE, _commune_code(w.code.value), w.name, valid_to=LEGACY_END)
            for w in LegacyWard.iter_by_district(district.code)
        ]
        province.children.append(node)
    return province


def read_province(name_or_code: str) -> ProvinceSpec:
    province = find_province(name_or_code)
    wards = list(Ward.iter_by_province(province.code))
    current = UnitSpec(Level.PROVINCE, province_code(province.code.value), province.name)
    current.children = [
        UnitSpec(Level.COMMUNE, _commune_code(w.code.value), w.name, valid_from=REFORM_DATE)
        for w in wards
    ]
    successions = [
        (_commune_code(old.code.value), _commune_code(new.code.value))
        for new in wards
        for old in new.get_legacy_sources()
    ]
    legacy = [_legacy_tree(source) for source in province.get_legacy_sources()]
    return ProvinceSpec(current=current, legacy=legacy, successions=successions)


def package_counts(name_or_code: str) -> dict[str, int]:
    """The package's own counts for a province, to check what load_units built."""
    province = find_province(name_or_code)
    sources = province.get_legacy_sources()
    return {
        "communes": sum(1 for _ in Ward.iter_by_province(province.code)),
        "legacy_provinces": len(sources),
        "legacy_districts": sum(
            sum(1 for _ in LegacyDistrict.iter_by_province(s.code)) for s in sources
        ),
        "legacy_communes": sum(
            sum(1 for _ in LegacyWard.iter_by_province(s.code)) for s in sources
        ),
    }
