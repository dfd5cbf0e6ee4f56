"""A province's name search reads its own province's part of the trigram index.

One GIN index over (province_id, name_folded gin_trgm_ops) through btree_gin: PostgreSQL
intersects the province's posting list with the words' trigram lists inside the index, so only
the province's matching rows are fetched from the table, whatever the size of the country (the
national index of 0003 made it fetch and then discard every other province's matches). The
index also answers a search without a province (a GIN index serves any subset of its columns),
so it replaces 0003's. Chosen over one partial index per province (DDL to keep in step with the
units) and partitions by province (Django's foreign keys to the member need a plain key).
Measured before and after in bench/members.py.
"""

from django.contrib.postgres.operations import BtreeGinExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("members", "0005_member_province")]

    operations = [
        BtreeGinExtension(),
        migrations.RunSQL(
            "CREATE INDEX member_province_name_trgm ON members_member "
            "USING gin (province_id, name_folded gin_trgm_ops);",
            "DROP INDEX IF EXISTS member_province_name_trgm;",
        ),
        migrations.RunSQL(
            "DROP INDEX IF EXISTS member_name_trgm;",
            "CREATE INDEX member_name_trgm ON members_member "
            "USING gin (name_folded gin_trgm_ops);",
        ),
    ]
