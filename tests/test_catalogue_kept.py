"""The catalogue kept in each process (indicators.catalogue.kept): read once while its
version holds, read again after any write to a program or an indicator, whichever path writes
it, and never served from a transaction that rolled back."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indicators.catalogue import kept
from indicators.models import Indicator
from programs.models import Program

pytestmark = pytest.mark.django_db


def _name(code: str) -> str:
    """H-01's name in the catalogue as the next request reads it."""
    cth = next(p for p in kept.catalogue().programs if p.code == "CTH")
    return next(i.name_vi for i in kept.catalogue().form_indicators(cth) if i.code == code)


def test_the_kept_catalogue_costs_one_version_query(catalog):
    first = kept.catalogue()

    with CaptureQueriesContext(connection) as queries:
        again = kept.catalogue()

    assert again is first
    assert [q["sql"] for q in queries.captured_queries] == [kept._READ]


def test_it_holds_the_programs_and_each_forms_indicators_as_read(catalog):
    found = kept.catalogue()

    assert [p.code for p in found.programs] == list(
        Program.objects.order_by("code").values_list("code", flat=True)
    )
    cth = next(p for p in found.programs if p.code == "CTH")
    codes = [i.code for i in found.form_indicators(cth)]
    assert codes[:2] == ["H-01", "H-02"]
    assert "H-06" not in codes  # coverage is computed, never on the form
    assert all(i.program is cth for i in found.form_indicators(cth))


@pytest.mark.parametrize("path", ["update", "save", "raw"])
def test_any_write_to_an_indicator_is_read_again(catalog, path):
    assert _name("H-01") != "Tên mới"
    if path == "update":
        Indicator.objects.filter(code="H-01").update(name_vi="Tên mới")
    elif path == "save":
        indicator = Indicator.objects.get(code="H-01")
        indicator.name_vi = "Tên mới"
        indicator.save()
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE indicators_indicator SET name_vi = 'Tên mới' WHERE code = 'H-01'"
            )

    assert _name("H-01") == "Tên mới"


def test_a_program_changed_or_added_is_read_again(catalog):
    before = kept.catalogue()
    Program.objects.filter(code="CTH").update(name_vi="Chương trình mới")
    assert next(p for p in kept.catalogue().programs if p.code == "CTH").name_vi == (
        "Chương trình mới"
    )

    Program.objects.create(code="ZZZ", name_vi="Z", start_year=2026, end_year=2030)

    assert kept.catalogue() is not before
    assert kept.catalogue().programs[-1].code == "ZZZ"


def test_a_rolled_back_change_is_never_served(catalog):
    """The version is a sequence's number: what was read inside a transaction that rolled
    back is kept under a number no later catalogue is given."""
    with pytest.raises(RuntimeError), transaction.atomic():
        Indicator.objects.filter(code="H-01").update(name_vi="Bỏ đi")
        assert _name("H-01") == "Bỏ đi"
        raise RuntimeError("rolled back")
    assert _name("H-01") != "Bỏ đi"

    Indicator.objects.filter(code="H-02").update(name_vi="Khác")  # another write, as many

    assert _name("H-01") != "Bỏ đi"


def test_the_form_shows_a_renamed_indicator_at_once(khanh_hoa, catalog):
    client = Client()
    client.force_login(khanh_hoa.commune_officer)
    url = reverse("indicators:entry_form", args=[khanh_hoa.ba_ngoi.pk, "CTH", "2025-10"])
    assert "Tên mới của H-01" not in client.get(url).content.decode()

    Indicator.objects.filter(code="H-01").update(name_vi="Tên mới của H-01")

    assert "Tên mới của H-01" in client.get(url).content.decode()
