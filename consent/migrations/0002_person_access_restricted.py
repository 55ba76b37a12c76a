from django.db import migrations, models


def copy_restricted_and_drop_anonymised(apps, schema_editor):
    """Existing rows: copy each person's restricted flag; anonymised people lose their rows."""
    PersonAccess = apps.get_model("consent", "PersonAccess")
    PersonAccess.objects.filter(person__restricted=True).update(restricted=True)
    PersonAccess.objects.filter(person__anonymised_at__isnull=False).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("consent", "0001_initial"),
        ("casework", "0003_journey_assessment_plan_notes_custody_handoff"),
    ]

    operations = [
        migrations.AddField(
            model_name="personaccess",
            name="restricted",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(copy_restricted_and_drop_anonymised, migrations.RunPython.noop),
    ]
