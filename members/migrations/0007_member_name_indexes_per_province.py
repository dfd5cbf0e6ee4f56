"""Name indexes per province (members/search_index.py): built here for the provinces already
in the database; later provinces get theirs when they are created. Building them for a province of 2
million members takes about 15 s.

The name-order indexes are read without the table only where the table's visibility map says
the rows are visible to all, which vacuum keeps. By default autovacuum waits for 20% of a table
to change (4 million members); 1% keeps a province's walk off the table."""

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


VACUUM_OFTEN = (
    "ALTER TABLE members_member SET (autovacuum_vacuum_scale_factor = 0.01, "
    "autovacuum_vacuum_insert_scale_factor = 0.01)"
)
VACUUM_DEFAULT = (
    "ALTER TABLE members_member RESET (autovacuum_vacuum_scale_factor, "
    "autovacuum_vacuum_insert_scale_factor)"
)


def vacuum_often(apps, schema_editor):
    schema_editor.execute(VACUUM_OFTEN)


def vacuum_default(apps, schema_editor):
    schema_editor.execute(VACUUM_DEFAULT)


class Migration(migrations.Migration):
    dependencies = [("members", "0006_member_province_name_trigram")]

    operations = [
        migrations.RunPython(create, drop),
        migrations.RunPython(vacuum_often, vacuum_default),
    ]
