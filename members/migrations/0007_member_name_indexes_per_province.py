"""Name indexes per province (members/search_index.py): built here for the provinces already
in the database; later provinces get theirs when they are created. PostgreSQL only: on SQLite
both directions do nothing (the functions check the vendor). Building them for a province of 2
million members takes about 15 s."""

from django.db import migrations

from members import search_index


def create(apps, schema_editor):
    unit = apps.get_model("members", "Unit")
    pks = unit.objects.using(schema_editor.connection.alias).filter(level="province")
    search_index.sync_province_indexes(
        schema_editor.connection.alias, pks.values_list("pk", flat=True)
    )


def drop(apps, schema_editor):
    search_index.drop_province_indexes(schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("members", "0006_member_province_name_trigram")]

    operations = [migrations.RunPython(create, drop)]
