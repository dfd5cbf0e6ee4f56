"""The standard activity types. Their codes are what the catalogue's derived indicators name
(`activities:count:type=tap_huan`), so they exist wherever a catalogue is loaded; admins may
rename them, deactivate them and add others."""

from __future__ import annotations

from programs.models import ActivityType

STANDARD_TYPES = [
    ("tap_huan", "Tập huấn"),
    ("truyen_thong", "Truyền thông"),
    ("doi_thoai", "Đối thoại"),
    ("hoi_thi_ngay_hoi", "Hội thi, ngày hội"),
    ("thanh_lap_mo_hinh", "Thành lập mô hình, CLB, tổ hợp tác"),
    ("tham_hoi_ho_tro", "Thăm hỏi, hỗ trợ"),
    # Đề án 938's parenting sessions (938-06), told apart from its other communication work.
    ("giao_duc_cha_me", "Sinh hoạt giáo dục làm cha mẹ"),
    ("khac", "Khác"),
]


def ensure_standard_types() -> int:
    """Creates the standard types that are missing (never changes an existing one)."""
    created = 0
    for position, (code, name) in enumerate(STANDARD_TYPES, start=1):
        _type, made = ActivityType.objects.get_or_create(
            code=code, defaults={"name": name, "position": position}
        )
        created += made
    return created
