"""Orchestrates a load build: world, people in seeded chunks, extension apps, sequences, ANALYZE."""

import math
import random
import time
from contextlib import contextmanager

from django.db import connection, transaction

from consent import policy
from core.loadgen import extensions
from core.loadgen.fastload import check_foreign_keys, fast_load
from core.loadgen.people import PeopleGenerator
from core.loadgen.world import build_world


def _first_ids(cursor, tables: dict[str, str]) -> dict[str, int]:
    ids = {}
    for key, table in tables.items():
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")  # noqa: S608  # nosec B608 (table names from our models)
        ids[key] = cursor.fetchone()[0]
    return ids


def _reset_sequences(cursor, tables) -> None:
    for table in tables:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608  # nosec B608
            f"GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}), 1))"
        )


@contextmanager
def _nothing():
    yield


def build(
    *,
    people: int,
    seed: int = 1,
    chunk: int = 20000,
    events_per_person: float = 6.0,
    log=print,
    analyze: bool = True,
    fast: bool = True,
) -> dict:
    """Generate `people` synthetic people (and everything around them). Returns row counts and timings."""
    if connection.vendor != "postgresql":
        raise RuntimeError("generate_load_data needs PostgreSQL (it loads with COPY)")
    started = time.perf_counter()
    today = policy.today()
    world = build_world(people, log=log)
    log(f"world built in {time.perf_counter() - started:.1f} s")
    exts = list(extensions.available())
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
    names = [t.name for t in tables]
    # dropping indexes pays only when the load is at least as big as what is there already
    fresh = first["person"] - 1 <= people
    chunks = math.ceil(people / chunk) if people else 0
    done = 0
    copy_seconds = 0.0
    with connection.cursor() as outer:
        with fast_load(outer, names, drop_indexes=fast and fresh, log=log) if fast else _nothing():
            for index in range(chunks):
                rng = random.Random(f"{seed}:{index}")  # noqa: S311 (synthetic data)
                size = min(chunk, people - done)
                with transaction.atomic(), connection.cursor() as cursor:
                    for _ in range(size):
                        person = gen.person(rng)
                        for ext in exts:
                            ext.person(rng, person)
                        gen.finish(rng, person)
                        for table in tables:
                            if table.due():
                                t0 = time.perf_counter()
                                table.flush(cursor)
                                copy_seconds += time.perf_counter() - t0
                    t0 = time.perf_counter()
                    for table in tables:
                        table.flush(cursor)
                copy_seconds += time.perf_counter() - t0  # includes the commit
                done += size
                elapsed = time.perf_counter() - started
                log(
                    f"  {done:>9,} people  {elapsed:7.1f} s  ({done / max(elapsed, 0.001):,.0f} people/s, "
                    f"COPY + commit {copy_seconds:.1f} s)"
                )
            indexed = time.perf_counter()
        log(f"indexes and triggers restored in {time.perf_counter() - indexed:.1f} s")
        if fast:
            t0 = time.perf_counter()
            problems = check_foreign_keys(outer, names)
            if problems:
                raise RuntimeError("foreign keys broken by the load: " + "; ".join(problems))
            log(f"foreign keys of {len(names)} tables checked in {time.perf_counter() - t0:.1f} s")
    # Access events went into the audit table's default partition (their months, years back, have no
    # partition yet): give each month its own partition, as the daily audit_partitions job would.
    from audit.partitions import partitions_ensure_ahead

    t0 = time.perf_counter()
    made = partitions_ensure_ahead()["partitions_created"]
    if made:
        log(f"{made} monthly audit partitions made in {time.perf_counter() - t0:.1f} s")
    loaded = time.perf_counter()
    with connection.cursor() as cursor:
        _reset_sequences(cursor, [t.name for t in tables])
        if analyze:
            # VACUUM sets the visibility map (index-only scans) as autovacuum would in production
            verb = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
            for table in tables:
                cursor.execute(f"{verb} {table.name}")
    finished = time.perf_counter()
    counts = {t.name: t.count for t in tables}
    log(
        f"loaded in {loaded - started:.1f} s, sequences + ANALYZE {finished - loaded:.1f} s, total {finished - started:.1f} s"
    )
    return {
        "counts": counts,
        "fresh": fresh,
        "seconds": round(finished - started, 1),
        "load_seconds": round(loaded - started, 1),
    }
