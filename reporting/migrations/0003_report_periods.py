from django.db import migrations, models
from django.db.models import F, Q


class Migration(migrations.Migration):
    """Reports cover a period of whole months: `to_month` (existing reports are one month long)."""

    dependencies = [("reporting", "0002_report_heartbeat")]

    operations = [
        migrations.RemoveConstraint(model_name="report", name="report_one_per_agency_month"),
        migrations.RemoveConstraint(model_name="report", name="report_one_per_region_month"),
        migrations.AddField(
            model_name="report",
            name="to_month",
            field=models.DateField(null=True, help_text="First day of the period's last month"),
        ),
        migrations.RunSQL(
            "UPDATE reporting_report SET to_month = month", reverse_sql=migrations.RunSQL.noop
        ),
        migrations.AlterField(
            model_name="report",
            name="to_month",
            field=models.DateField(help_text="First day of the period's last month"),
        ),
        migrations.AlterField(
            model_name="report",
            name="month",
            field=models.DateField(help_text="First day of the period's first month"),
        ),
        migrations.AlterField(
            model_name="report",
            name="kind",
            field=models.CharField(
                choices=[("monthly_outcomes", "Monthly outcomes"), ("outcomes", "Outcomes")],
                default="monthly_outcomes",
                max_length=30,
            ),
        ),
        migrations.AddConstraint(
            model_name="report",
            constraint=models.UniqueConstraint(
                condition=Q(scope="agency"),
                fields=("kind", "month", "to_month", "scope", "agency"),
                name="report_one_per_agency_period",
            ),
        ),
        migrations.AddConstraint(
            model_name="report",
            constraint=models.UniqueConstraint(
                condition=Q(scope="region"),
                fields=("kind", "month", "to_month", "scope", "region"),
                name="report_one_per_region_period",
            ),
        ),
        migrations.AddConstraint(
            model_name="report",
            constraint=models.CheckConstraint(
                condition=Q(to_month__day=1, to_month__gte=F("month")),
                name="report_period_whole_months",
            ),
        ),
    ]
