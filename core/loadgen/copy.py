"""Bulk loading with PostgreSQL COPY from in-memory text buffers."""

import datetime
import io
import json

NULL = "\\N"


def fmt(value) -> str:
    """One value in COPY text format (our synthetic values never hold tabs, newlines or backslashes)."""
    if value is None:
        return NULL
    if value is True:
        return "t"
    if value is False:
        return "f"
    return str(value)


class Table:
    """Rows for one table, written with COPY when the buffer is large enough (or on flush)."""

    def __init__(
        self, name: str, columns: tuple[str, ...], *, first_id: int = 1, flush_rows: int = 50000
    ):
        self.name = name
        extra = defaults_for_missing(name, columns)
        self.columns = tuple(columns) + tuple(extra)
        self._suffix = "".join("\t" + fmt(v) for v in extra.values())
        self.next_id = first_id
        self.count = 0
        self.flush_rows = flush_rows
        self._buffer = io.StringIO()
        self._pending = 0

    def new_id(self) -> int:
        value = self.next_id
        self.next_id += 1
        return value

    def add(self, *values) -> None:
        self._buffer.write("\t".join([fmt(v) for v in values]))
        self._buffer.write(self._suffix + "\n")
        self._pending += 1
        self.count += 1

    def due(self) -> bool:
        return self._pending >= self.flush_rows

    def flush(self, cursor) -> None:
        if not self._pending:
            return
        self._buffer.seek(0)
        columns = ", ".join(f'"{c}"' for c in self.columns)
        cursor.copy_expert(f'COPY "{self.name}" ({columns}) FROM STDIN', self._buffer)
        self._buffer = io.StringIO()
        self._pending = 0


def defaults_for_missing(table: str, columns) -> dict:
    """Model defaults for NOT NULL columns the generator does not set (fields added by later migrations)."""
    from django.apps import apps

    model = next((m for m in apps.get_models() if m._meta.db_table == table), None)
    if model is None:
        return {}
    extra = {}
    for field in model._meta.concrete_fields:
        if field.column in columns or field.null:
            continue
        if field.has_default():
            value = field.get_default()
            extra[field.column] = json.dumps(value) if isinstance(value, dict | list) else value
        elif getattr(field, "blank", False) and field.get_internal_type() in (
            "CharField",
            "TextField",
        ):
            extra[field.column] = ""
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            extra[field.column] = datetime.datetime.now(datetime.UTC).isoformat()
        else:
            raise RuntimeError(
                f"generate_load_data does not know how to fill {table}.{field.column}: "
                "add it to core/loadgen"
            )
    return extra


class DayCache:
    """date <-> ordinal helpers without building date objects in the hot loop."""

    def __init__(self):
        self._cache: dict[int, str] = {}

    def __call__(self, ordinal: int | None) -> str | None:
        if ordinal is None:
            return None
        text = self._cache.get(ordinal)
        if text is None:
            text = datetime.date.fromordinal(ordinal).isoformat()
            self._cache[ordinal] = text
        return text
