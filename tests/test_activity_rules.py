"""What an activity may not be: each refusal names the field, in Vietnamese, and writes
nothing; a locked (submitted or approved) month refuses activities until it is unlocked."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from indicators.cycle import review
from indicators.models import Result
from programs.models import Activity, ActivityType, Attachment, Program
from programs.services import check_attachments, delete_activity, save_activity

pytestmark = pytest.mark.django_db
D = datetime.date
OCT = D(2025, 10, 1)


def values(unit, **more):
    return {
        "program": Program.objects.get(code="DA939"),
        "unit": unit,
        "type": ActivityType.objects.get(code="tap_huan"),
        "title": "Lớp tập huấn khởi nghiệp",
        "starts_on": D(2025, 10, 3),
        "ends_on": None,
        "participants": 40,
        "participants_women": 35,
        "participants_minority": 5,
        "participants_over35": 20,
    } | more


def refusal(user, unit, **more) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        save_activity(user=user, values=values(unit, **more))
    assert not Activity.objects.exists() and not Result.objects.exists()
    return caught.value.message_dict


def test_a_date_outside_the_program_phase_is_refused(khanh_hoa, catalog) -> None:
    errors = refusal(khanh_hoa.commune_officer, khanh_hoa.ba_ngoi, starts_on=D(2016, 5, 4))

    assert errors["starts_on"] == ["Ngày 04/05/2016 nằm ngoài giai đoạn 2017–2025 của chương trình"]


def test_negative_participants_are_refused(khanh_hoa, catalog) -> None:
    errors = refusal(
        khanh_hoa.commune_officer, khanh_hoa.ba_ngoi, participants=-3, participants_women=0,
        participants_minority=0, participants_over35=0,
    )  # fmt: skip

    assert errors["participants"] == ["Số người tham gia không được âm"]


def test_a_breakdown_above_the_total_is_refused(khanh_hoa, catalog) -> None:
    errors = refusal(khanh_hoa.commune_officer, khanh_hoa.ba_ngoi, participants_women=45)

    assert errors["participants_women"] == ["Trong đó nữ (45) lớn hơn tổng số người tham gia (40)"]


def test_another_communes_unit_is_refused(khanh_hoa, catalog) -> None:
    errors = refusal(khanh_hoa.commune_officer, khanh_hoa.nha_trang)

    assert errors["unit"] == ["Bạn không được ghi nhận hoạt động cho đơn vị này"]


def test_an_approved_month_refuses_activities_until_unlocked(khanh_hoa, catalog) -> None:
    officer, reviewer = khanh_hoa.commune_officer, khanh_hoa.province_reviewer
    activity = save_activity(user=officer, values=values(khanh_hoa.ba_ngoi))
    program = Program.objects.get(code="DA939")
    submission = review.submission_for(khanh_hoa.ba_ngoi, program, OCT)
    review.submit(user=officer, submission=submission)
    review.approve(user=reviewer, submission=submission)

    errors = refusal_after(officer, khanh_hoa.ba_ngoi_branch)
    assert "đã khóa, cần cấp trên mở khóa" in errors["starts_on"][0]
    with pytest.raises(ValidationError, match="đã khóa"):
        delete_activity(user=officer, activity=activity)

    review.unlock(user=reviewer, submission=submission, reason="Bổ sung lớp của chi hội")
    save_activity(user=officer, values=values(khanh_hoa.ba_ngoi_branch))
    result = Result.objects.get(unit=khanh_hoa.ba_ngoi, indicator__code="939-06", month=OCT)
    assert result.value == 2
    assert result.history.first().history_change_reason == "unlock"


def refusal_after(user, unit) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        save_activity(user=user, values=values(unit))
    assert Activity.objects.count() == 1
    return caught.value.message_dict


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_attachments_are_checked_by_type_and_size_and_stored(khanh_hoa, catalog, settings) -> None:
    fake = SimpleUploadedFile("bien-ban.pdf", b"MZ\x90\x00 not a pdf")
    script = SimpleUploadedFile("anh.exe", b"MZ")
    big = SimpleUploadedFile("anh.png", PNG + b"\x00" * (10 * 1024 * 1024))

    assert "không đúng định dạng" in check_attachments([fake])["attachment"]
    assert "chỉ nhận" in check_attachments([script])["attachment"]
    assert "quá lớn (10,0 MB, tối đa 10,0 MB)" in check_attachments([big])["attachment"]
    photo = SimpleUploadedFile("anh-lop-hoc.png", PNG, content_type="image/png")
    activity = save_activity(
        user=khanh_hoa.commune_officer, values=values(khanh_hoa.ba_ngoi), files=[photo]
    )
    stored = Attachment.objects.get(activity=activity)
    assert stored.name == "anh-lop-hoc.png"
    assert stored.file.read() == PNG
    assert stored.file.path.startswith(str(settings.MEDIA_ROOT))
