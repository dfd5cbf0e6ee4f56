"""The catalogue's version (indicators.catalogue.kept): one row that PostgreSQL triggers
renumber whenever a statement writes a program or an indicator, as members 0010 does for the
map. Triggers rather than a bump in each writer: load_catalog, the admin, imports, bulk
updates, queryset.update(), raw SQL, fixtures and test flushes all move the version."""

from django.db import migrations

TABLE = "indicators_catalogue_version"
SEQUENCE = "indicators_catalogue_version_seq"
FUNCTION = "indicators_bump_catalogue_version"

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
CREATE TRIGGER programs_program_catalogue_written
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON programs_program
    FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}();
CREATE TRIGGER indicators_indicator_catalogue_written
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON indicators_indicator
    FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}();
"""

BACKWARD = f"""
DROP TRIGGER indicators_indicator_catalogue_written ON indicators_indicator;
DROP TRIGGER programs_program_catalogue_written ON programs_program;
DROP FUNCTION {FUNCTION}();
DROP TABLE {TABLE};
DROP SEQUENCE {SEQUENCE};
"""


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0011_result_period_totals_index"),
        ("programs", "0004_activity_types"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
