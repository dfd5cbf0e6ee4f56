"""The member's province, copied from the branch's path, so that a province-wide search can be
answered from that province's part of the name index (migration 0006).

Added nullable, filled by one UPDATE per province (a unit's province is the ancestor at depth
1 of its path), then made required. At 20 million members the backfill rewrites every row:
run it in a quiet hour.
"""

import django.db.models.deletion
from django.db import migrations, models


def backfill(apps, schema_editor):
    # The foreign key checks run with each UPDATE, not at commit: the ALTER below cannot run
    # with trigger events still pending in the transaction.
    schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    Unit = apps.get_model("members", "Unit")
    Member = apps.get_model("members", "Member")
    for province in Unit.objects.filter(depth=1).only("pk", "path"):
        Member.objects.filter(branch__path__startswith=province.path).update(province=province)


class Migration(migrations.Migration):
    dependencies = [("members", "0004_member_name_order")]

    operations = [
        migrations.AddField(
            model_name="member",
            name="province",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="members.unit",
                verbose_name="tỉnh/thành phố",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="member",
            name="province",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="members.unit",
                verbose_name="tỉnh/thành phố",
            ),
        ),
    ]
