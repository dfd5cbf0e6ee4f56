"""Matching what people typed in legacy files to the catalogue and the unit tree.

Used by the wide-form reader (and usable by any reader of hand-made files): indicator names as
typed in a header ("Số phụ nữ khởi sự\\nkinh doanh, khởi nghiệp được hỗ trợ") to the catalogue's
indicators, plus the aliases an admin adds on an indicator; unit names as typed in a row
("P. Thục Phán", "Thục Phán", "xã  Hưng Đạo") to the units under the file's unit that were valid
in the file's period.

Both matchers load their candidates once (one query each) and then match in memory. A name is
compared first with its diacritics (after Unicode normalisation, case folding, and removing
punctuation and extra spaces), then, only when that finds nothing, without diacritics (so the old
and new tone placements "Hoà"/"Hòa" and unaccented typing still match) and only when that finds
exactly one candidate. Two candidates is an ambiguity, reported, never guessed.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from imports.readers.legacy_fonts import to_unicode
from imports.readers.periods import fold
from indicators.models import Indicator
from members.models import Level, Unit

_PUNCTUATION = re.compile(r"[^\w%]+")


def name_key(text: str) -> str:
    """A typed name as compared: legacy fonts converted, NFC, case-folded, punctuation and line
    breaks as single spaces."""
    normal = unicodedata.normalize("NFC", to_unicode(unicodedata.normalize("NFC", text)))
    return " ".join(_PUNCTUATION.sub(" ", normal.casefold()).split())


def bare_key(text: str) -> str:
    """`name_key` without diacritics (đ -> d)."""
    return fold(name_key(text)).casefold()


@dataclass(frozen=True)
class Match[T]:
    """What a typed name matched: one object, or nothing and the reason (in Vietnamese)."""

    found: T | None
    problem: str = ""


class _Index[T]:
    """Objects under their exact and diacritic-free keys."""

    def __init__(self) -> None:
        self.exact: dict[str, list[T]] = defaultdict(list)
        self.bare: dict[str, list[T]] = defaultdict(list)

    def add(self, name: str, item: T) -> None:
        for index, key in ((self.exact, name_key(name)), (self.bare, bare_key(name))):
            if key and item not in index[key]:
                index[key].append(item)

    def lookup(self, name: str) -> list[T]:
        return self.exact.get(name_key(name)) or self.bare.get(bare_key(name)) or []


class IndicatorMatcher:
    """The catalogue's indicators by name and alias, optionally within one program."""

    def __init__(self, indicators: Iterable[Indicator]) -> None:
        self._index: _Index[Indicator] = _Index()
        for indicator in indicators:
            self._index.add(indicator.name_vi, indicator)
            for alias in indicator.aliases.splitlines():
                if alias.strip():
                    self._index.add(alias, indicator)

    @classmethod
    def load(cls, program_code: str = "") -> IndicatorMatcher:
        """One query: the program's indicators, or the whole catalogue when no program."""
        indicators = Indicator.objects.select_related("program").order_by("code")
        if program_code:
            indicators = indicators.filter(program__code=program_code)
        return cls(indicators)

    def candidates(self, name: str) -> list[Indicator]:
        """Every indicator the name could be (across programs when not restricted)."""
        return list(self._index.lookup(name))

    def match(self, name: str, *, program_code: str = "") -> Match[Indicator]:
        found = self.candidates(name)
        if program_code:
            found = [ind for ind in found if ind.program.code == program_code]
        if len(found) == 1:
            return Match(found[0])
        if not found:
            return Match(None, _("không có chỉ tiêu nào tên «%(name)s»") % {"name": _clean(name)})
        codes = ", ".join(ind.code for ind in found)
        return Match(
            None,
            _("tên «%(name)s» trùng nhiều chỉ tiêu (%(codes)s)")
            % {"name": _clean(name), "codes": codes},
        )


# Prefixes typed before a commune's name, with the full prefix each stands for.
_PREFIXES = [
    ("thị trấn", "thị trấn"),
    ("đặc khu", "đặc khu"),
    ("phường", "phường"),
    ("xã", "xã"),
    ("tt", "thị trấn"),
    ("p", "phường"),
    ("x", "xã"),
]


def split_prefix(key: str) -> tuple[str, str]:
    """("phường", "thục phán") for the key of "P. Thục Phán"; ("", name) when no prefix."""
    for typed, full in _PREFIXES:
        if key.startswith(typed + " ") and len(key) > len(typed) + 1:
            return full, key[len(typed) + 1 :]
    return "", key


class UnitMatcher:
    """The units under a unit, at one level, valid on a day: by code, by full name (prefix
    spelled out), then by name without its prefix."""

    def __init__(self, units: Iterable[Unit], *, day: datetime.date) -> None:
        self.day = day
        self._by_code: dict[str, list[Unit]] = defaultdict(list)
        self._full: _Index[Unit] = _Index()
        self._bare: _Index[Unit] = _Index()
        self._ended: _Index[Unit] = _Index()
        for unit in units:
            if not unit.is_valid_on(day):
                self._ended.add(split_prefix(name_key(unit.name))[1], unit)
                continue
            if unit.code:  # a code typed as a number loses its leading zeros: compare without
                self._by_code[unit.code.lstrip("0")].append(unit)
            prefix, bare = split_prefix(name_key(unit.name))
            self._full.add(f"{prefix} {bare}", unit)
            self._bare.add(bare, unit)
            if unit.short_name:
                self._bare.add(unit.short_name, unit)

    @classmethod
    def load(cls, parent: Unit, *, day: datetime.date, level: str = "") -> UnitMatcher:
        """One query: the units at `level` (communes, or branches under a commune) in the
        parent's subtree, including those not valid on `day` (to say why they do not match).
        Before the 2025 reform communes sat under districts: the subtree covers both maps."""
        level = level or (Level.BRANCH if parent.level == Level.COMMUNE else Level.COMMUNE)
        units = Unit.objects.subtree(parent, include_self=False).at_level(level)
        return cls(units.order_by("path"), day=day)

    def match(self, name: str, code: str = "") -> Match[Unit]:
        code = code.strip()
        if code:
            by_code = self._by_code.get(code.lstrip("0"), [])
            if len(by_code) == 1:
                return Match(by_code[0])
            if not by_code:
                return Match(None, _("không có đơn vị nào mã «%(code)s»") % {"code": code})
        prefix, bare = split_prefix(name_key(name))
        found = (self._full.lookup(f"{prefix} {bare}") if prefix else []) or self._bare.lookup(bare)
        if len(found) == 1:
            return Match(found[0])
        if found:
            names = ", ".join(f"{unit.name} ({unit.code})" for unit in found)
            return Match(
                None,
                _("tên «%(name)s» trùng nhiều đơn vị: %(units)s")
                % {"name": _clean(name), "units": names},
            )
        return Match(None, self._not_found(name, bare))

    def _not_found(self, name: str, bare: str) -> str:
        ended = self._ended.lookup(bare)
        if ended:
            return _("đơn vị «%(name)s» không còn hiệu lực ngày %(day)s") % {
                "name": _clean(name),
                "day": self.day.strftime("%d/%m/%Y"),
            }
        return _("không có đơn vị nào tên «%(name)s» trực thuộc đơn vị của file") % {
            "name": _clean(name)
        }


def _clean(text: str) -> str:
    """A typed name as shown in a message: converted, on one line."""
    return " ".join(to_unicode(text).split())
