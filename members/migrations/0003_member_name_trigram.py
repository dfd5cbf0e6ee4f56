"""Name search at national scale: a pg_trgm GIN index on the folded name.

`LIKE '%word%'` on 20 million rows needs a trigram index.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("members", "0002_member_register")]

    operations = [
        TrigramExtension(),
        migrations.RunSQL(
            "CREATE INDEX member_name_trgm ON members_member "
            "USING gin (name_folded gin_trgm_ops);",
            "DROP INDEX IF EXISTS member_name_trgm;",
        ),
    ]
