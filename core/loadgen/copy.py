"""Bulk loading with PostgreSQL COPY from in-memory text buffers."""

import datetime
import io

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

    def __init__(self, name: str, columns: tuple[str, ...], *, first_id: int = 1, flush_rows: int = 50000):
        self.name = name
        self.columns = columns
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
        self._buffer.write("\n")
        self._pending += 1
        self.count += 1

    def due(self) -> bool:
        return self._pending >= self.flush_rows

    def flush(self, cursor) -> None:
        if not self._pending:
            return
        self._buffer.seek(0)
        cursor.copy_expert(f"COPY {self.name} ({', '.join(self.columns)}) FROM STDIN", self._buffer)
        self._buffer = io.StringIO()
        self._pending = 0


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
