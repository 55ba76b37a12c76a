"""Uploaded scans move from a database column to file storage (MEDIA_ROOT/scans/), the checked preview
is kept, and a "parsing" status covers the check in the worker (issue 16)."""

import uuid

from django.core.files.base import ContentFile
from django.db import migrations, models

import core.uploads
import custody.models


def content_to_files(apps, schema_editor):
    ScanImport = apps.get_model("custody", "ScanImport")
    for scan in ScanImport.objects.exclude(content=b"").iterator():
        data = bytes(scan.content or b"")
        if not data:
            continue
        scan.upload.save(f"{uuid.uuid4().hex}.csv", ContentFile(data), save=False)
        ScanImport.objects.filter(pk=scan.pk).update(upload=scan.upload.name)


class Migration(migrations.Migration):
    dependencies = [
        ("custody", "0002_marker_end_reasons"),
    ]

    operations = [
        migrations.AddField(
            model_name="scanimport",
            name="upload",
            field=models.FileField(
                blank=True,
                max_length=200,
                upload_to=custody.models.scan_upload_path,
                validators=[
                    core.uploads.UploadValidator(
                        kinds=("csv", "txt"), text_encodings=("utf-8", "cp1252")
                    )
                ],
            ),
        ),
        migrations.RunPython(content_to_files, migrations.RunPython.noop, elidable=True),
        migrations.RemoveField(
            model_name="scanimport",
            name="content",
        ),
        migrations.AddField(
            model_name="scanimport",
            name="preview",
            field=models.JSONField(
                blank=True, default=list, help_text="The first rows as checked, for the preview page"
            ),
        ),
        migrations.AddField(
            model_name="scanimport",
            name="upload_deleted_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="scanimport",
            name="status",
            field=models.CharField(
                choices=[
                    ("parsing", "Checking the file"),
                    ("preview", "Awaiting confirmation"),
                    ("queued", "Queued"),
                    ("running", "Importing"),
                    ("done", "Imported"),
                    ("failed", "Failed"),
                ],
                default="preview",
                max_length=10,
            ),
        ),
    ]
