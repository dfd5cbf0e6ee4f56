"""ImportBatch becomes a jobs.models.Job: `failure` is the job's `error`, `updated_at` its
`heartbeat_at` (renamed: the data stays), and it gains attempts, started_at and finished_at.
A batch that has already ended gets its last move as finished_at; when it started is not known."""

from django.db import migrations, models
from django.db.models import F

ENDED = ["previewed", "committed", "failed"]


def fill_finished_at(apps, schema_editor):
    ImportBatch = apps.get_model("imports", "ImportBatch")
    ImportBatch.objects.filter(state__in=ENDED).update(finished_at=F("heartbeat_at"))


class Migration(migrations.Migration):

    dependencies = [
        ("imports", "0002_batch_updated_at"),
    ]

    operations = [
        migrations.RenameField(model_name="importbatch", old_name="failure", new_name="error"),
        migrations.RenameField(
            model_name="importbatch", old_name="updated_at", new_name="heartbeat_at"
        ),
        migrations.AlterField(
            model_name="importbatch",
            name="heartbeat_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="số lần chạy"),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="started_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="bắt đầu lúc"),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="finished_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="xong lúc"),
        ),
        migrations.RunPython(fill_finished_at, migrations.RunPython.noop),
    ]
