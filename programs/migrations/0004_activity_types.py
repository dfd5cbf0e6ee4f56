from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

# A frozen copy of programs.activity_types.STANDARD_TYPES as it was when this ran.
TYPES = [
    ("tap_huan", "Tập huấn"),
    ("truyen_thong", "Truyền thông"),
    ("doi_thoai", "Đối thoại"),
    ("hoi_thi_ngay_hoi", "Hội thi, ngày hội"),
    ("thanh_lap_mo_hinh", "Thành lập mô hình, CLB, tổ hợp tác"),
    ("tham_hoi_ho_tro", "Thăm hỏi, hỗ trợ"),
    ("giao_duc_cha_me", "Sinh hoạt giáo dục làm cha mẹ"),
    ("khac", "Khác"),
]


def seed(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    ActivityType = apps.get_model("programs", "ActivityType")
    for position, (code, name) in enumerate(TYPES, start=1):
        ActivityType.objects.get_or_create(code=code, defaults={"name": name, "position": position})


class Migration(migrations.Migration):
    dependencies = [("programs", "0003_activities")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
