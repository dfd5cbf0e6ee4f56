"""Name search at national scale: a pg_trgm GIN index on the folded name.

`LIKE '%word%'` on 20 million rows needs a trigram index; SQLite (the quick start) has neither
the extension nor GIN, and does not need them at its size, so both operations do nothing there.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class RunSQLOnPostgres(migrations.RunSQL):
    """RunSQL that only runs on PostgreSQL (the state is unchanged either way)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [("members", "0002_member_register")]

    operations = [
        # Does nothing on SQLite (Django's CreateExtension checks the vendor itself).
        TrigramExtension(),
        RunSQLOnPostgres(
            "CREATE INDEX member_name_trgm ON members_member "
            "USING gin (name_folded gin_trgm_ops);",
            "DROP INDEX IF EXISTS member_name_trgm;",
        ),
    ]
