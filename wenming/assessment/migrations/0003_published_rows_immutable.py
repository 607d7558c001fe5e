"""Published rankings are immutable in the database too: an UPDATE of a publication or of a
published row is refused by a trigger (SQLite and PostgreSQL). Deleting is left to the
database's own rules (PROTECT foreign keys; the test suite's flush needs it), and no code
path deletes them."""

from django.db import migrations

TABLES = ("assessment_publication", "assessment_publishedrow")


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "sqlite":
            schema_editor.execute(
                f"CREATE TRIGGER {table}_immutable BEFORE UPDATE ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'published rankings are immutable'); END"
            )
        elif vendor == "postgresql":
            schema_editor.execute(
                "CREATE OR REPLACE FUNCTION assessment_refuse_update() RETURNS trigger AS $$ "
                "BEGIN RAISE EXCEPTION 'published rankings are immutable'; END; "
                "$$ LANGUAGE plpgsql"
            )
            schema_editor.execute(
                f"CREATE TRIGGER {table}_immutable BEFORE UPDATE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION assessment_refuse_update()"
            )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_immutable")
        elif vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_immutable ON {table}")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS assessment_refuse_update()")


class Migration(migrations.Migration):
    dependencies = [("assessment", "0002_default_scheme")]

    operations = [migrations.RunPython(forwards, backwards)]
