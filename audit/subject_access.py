"""Subject access: everything Resettle holds on one person, as JSON and PDF.

The data is found generically: every model with a foreign key (directly, or through other such
models) to casework.Person or casework.Case, so new apps are included without a change here.
`person_related_models()` is also used by records retention (consent/retention.py).
"""

import datetime
import decimal
import json
import uuid
from functools import lru_cache

from django.apps import apps
from django.db import models
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

MAX_DEPTH = 4
SKIP_APPS = {
    "admin",
    "auth",
    "contenttypes",
    "sessions",
    "axes",
    "otp_totp",
    "authtoken",
    "guardian",
}


@lru_cache(maxsize=1)
def person_related_models() -> dict[type[models.Model], tuple[str, ...]]:
    """{model: lookups that reach the person id} for every model linked to Person by foreign keys."""
    person_model = apps.get_model("casework", "Person")
    paths: dict[type[models.Model], list[str]] = {person_model: ["pk"]}
    for _ in range(MAX_DEPTH):
        added = False
        for model in apps.get_models():
            if model._meta.app_label in SKIP_APPS or model is person_model:
                continue
            for field in model._meta.get_fields():
                if not (
                    getattr(field, "many_to_one", False) or getattr(field, "one_to_one", False)
                ):
                    continue
                if (
                    not getattr(field, "concrete", False)
                    or field.related_model not in paths
                    or field.related_model is model
                ):
                    continue
                target = field.related_model
                lookups = (
                    [field.name]
                    if target is person_model
                    else [f"{field.name}__{p}" for p in paths[target]]
                )
                known = paths.setdefault(model, [])
                for lookup in lookups:
                    if lookup not in known and lookup.count("__") < MAX_DEPTH:
                        known.append(lookup)
                        added = True
        if not added:
            break
    return {model: tuple(lookups) for model, lookups in paths.items()}


def rows_for(model, person_pk: int):
    lookups = person_related_models()[model]
    condition = Q()
    for lookup in lookups:
        condition |= Q(**{lookup: person_pk})
    return model._base_manager.filter(condition).distinct().order_by("pk")


def _value(value):
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or None
    if isinstance(value, bytes | memoryview):
        return f"<{len(value)} bytes>"
    return value


def serialise(obj) -> dict:
    row = {}
    for field in obj._meta.concrete_fields:
        value = getattr(obj, field.attname)
        row[field.attname] = _value(value)
        if field.choices and value not in (None, ""):
            row[f"{field.attname}_display"] = str(getattr(obj, f"get_{field.name}_display")())
    return row


def collect(person) -> dict:
    """Everything held on the person: {"person": {...}, "records": {"app.model": [rows]}}."""
    person_model = type(person)
    records = {}
    for model in sorted(person_related_models(), key=lambda m: m._meta.label_lower):
        if model is person_model:
            continue
        rows = [serialise(obj) for obj in rows_for(model, person.pk)]
        if rows:
            records[model._meta.label_lower] = rows
    return {
        "generated_at": timezone.now().isoformat(),
        "person": serialise(person),
        "records": records,
        "record_count": sum(len(rows) for rows in records.values()),
    }


def as_json(data: dict) -> str:
    return json.dumps(data, indent=2, sort_keys=True, default=str)


def as_pdf(data: dict) -> bytes:
    """A plain PDF of the same data (reuses the project's safe WeasyPrint renderer)."""
    from core.pdf import render_pdf

    sections = [
        {"label": label, "rows": rows, "columns": list(rows[0].keys())}
        for label, rows in data["records"].items()
    ]
    html = render_to_string(
        "audit/subject_access_pdf.html",
        {"data": data, "person": data["person"], "sections": sections},
    )
    return render_pdf(html)
