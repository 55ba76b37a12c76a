"""Orchestrates a load build: world, people in seeded chunks, extension apps, sequences, ANALYZE."""

import math
import random
import time

from django.db import connection, transaction

from consent import policy
from core.loadgen import extensions
from core.loadgen.people import PeopleGenerator
from core.loadgen.world import build_world


def _first_ids(cursor, tables: dict[str, str]) -> dict[str, int]:
    ids = {}
    for key, table in tables.items():
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")  # noqa: S608 (our own table names)
        ids[key] = cursor.fetchone()[0]
    return ids


def _reset_sequences(cursor, tables) -> None:
    for table in tables:
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                       f"GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}), 1))")


def build(*, people: int, seed: int = 1, chunk: int = 20000, events_per_person: float = 6.0, log=print,
          analyze: bool = True) -> dict:
    """Generate `people` synthetic people (and everything around them). Returns row counts and timings."""
    if connection.vendor != "postgresql":
        raise RuntimeError("generate_load_data needs PostgreSQL (it loads with COPY)")
    started = time.perf_counter()
    today = policy.today()
    world = build_world(people, log=log)
    log(f"world built in {time.perf_counter() - started:.1f} s")
    exts = [ext for ext in extensions.available()]
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        all_tables = {key: name for key, (name, _cols) in PeopleGenerator.table_specs().items()}
        for ext in exts:
            ext.prepare(world, today=today, log=log)
            all_tables.update(ext.table_names())
        first = _first_ids(cursor, all_tables)
    gen = PeopleGenerator(world, today=today, first_ids=first, events_per_person=events_per_person)
    for ext in exts:
        ext.bind(gen, first)
    tables = list(gen.tables.values()) + [t for ext in exts for t in ext.tables.values()]
    chunks = math.ceil(people / chunk) if people else 0
    done = 0
    copy_seconds = 0.0
    for index in range(chunks):
        rng = random.Random(f"{seed}:{index}")  # noqa: S311 (synthetic data)
        size = min(chunk, people - done)
        with transaction.atomic(), connection.cursor() as cursor:
            for _ in range(size):
                person = gen.person(rng)
                for ext in exts:
                    ext.person(rng, person)
                for table in tables:
                    if table.due():
                        t0 = time.perf_counter()
                        table.flush(cursor)
                        copy_seconds += time.perf_counter() - t0
            t0 = time.perf_counter()
            for table in tables:
                table.flush(cursor)
        copy_seconds += time.perf_counter() - t0  # includes the commit (deferred foreign-key checks)
        done += size
        elapsed = time.perf_counter() - started
        log(f"  {done:>9,} people  {elapsed:7.1f} s  ({done / max(elapsed, 0.001):,.0f} people/s, "
            f"COPY + commit {copy_seconds:.1f} s)")
    loaded = time.perf_counter()
    with connection.cursor() as cursor:
        _reset_sequences(cursor, [t.name for t in tables])
        if analyze:
            for table in tables:
                cursor.execute(f"ANALYZE {table.name}")
    finished = time.perf_counter()
    counts = {t.name: t.count for t in tables}
    log(f"loaded in {loaded - started:.1f} s, sequences + ANALYZE {finished - loaded:.1f} s, total {finished - started:.1f} s")
    return {"counts": counts, "seconds": round(finished - started, 1), "load_seconds": round(loaded - started, 1)}
