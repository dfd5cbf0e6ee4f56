"""The map's version (members.mapversion): one row that PostgreSQL triggers renumber whenever a
statement writes what a lineage is built from (units' paths, parents, levels and dates; merger
links). Triggers rather than a bump in each service: every write path (services, load_units,
the admin, bulk_update, queryset.update, raw SQL in bench/, a fixture, a flush) moves the
version, including the ones nobody remembers to bump."""

from django.db import migrations

TABLE = "members_map_version"
SEQUENCE = "members_map_version_seq"
FUNCTION = "members_bump_map_version"
# Only the columns that the lineage reads: renaming a unit moves nothing.
MAP_COLUMNS = "path, parent_id, level, valid_from, valid_to"

FORWARD = f"""
CREATE SEQUENCE {SEQUENCE};
CREATE TABLE {TABLE} (
    id smallint PRIMARY KEY CHECK (id = 1),
    version bigint NOT NULL
);
INSERT INTO {TABLE} (id, version) VALUES (1, nextval('{SEQUENCE}'));
CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A new number from the sequence, never the old one plus one: a number taken by a
    -- transaction that rolled back is never handed out again.
    INSERT INTO {TABLE} (id, version) VALUES (1, nextval('{SEQUENCE}'))
    ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version;
    RETURN NULL;
END
$$;
CREATE TRIGGER members_unit_map_written
    AFTER INSERT OR DELETE OR TRUNCATE ON members_unit
    FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}();
CREATE TRIGGER members_unit_map_updated
    AFTER UPDATE OF {MAP_COLUMNS} ON members_unit
    FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}();
CREATE TRIGGER members_unitsuccession_map_written
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON members_unitsuccession
    FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}();
"""

BACKWARD = f"""
DROP TRIGGER members_unitsuccession_map_written ON members_unitsuccession;
DROP TRIGGER members_unit_map_updated ON members_unit;
DROP TRIGGER members_unit_map_written ON members_unit;
DROP FUNCTION {FUNCTION}();
DROP TABLE {TABLE};
DROP SEQUENCE {SEQUENCE};
"""


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0009_branch_month_counts"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
