"""Page cost in-process: CPU time of the Django process per request, database time and query count.

For a busy machine, where wall-clock p95 under gunicorn is not comparable between runs: CPU time of
this process (Python, ORM, template) barely depends on what else the machine runs. Uses the
benchmark's plan (busiest agencies and their staff) on an existing generated database:

    .venv/bin/python -m tests.perf.inprocess --database-url postgres://.../resettle_bench_100k [-n 40]
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def measure(requests: int) -> dict[str, tuple[float, float, int]]:
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from tests.perf import bench

    settings.ALLOWED_HOSTS = ["*"]
    plan = bench.make_plan(clients=1)
    clients = {}
    for pool, users in plan["pools"].items():
        client = Client()
        response = client.post("/sign-in/", {"username": users[0], "password": plan["password"]})
        if response.status_code != 302:
            raise SystemExit(f"{users[0]} could not sign in ({response.status_code})")
        clients[pool] = client

    spent = {"queries": 0, "seconds": 0.0}

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent["queries"] += 1
            spent["seconds"] += time.perf_counter() - started

    results = {}
    for scenario in bench.scenarios(plan):
        if scenario.path is None or scenario.skipped or scenario.pool not in clients:
            continue
        client, rng = clients[scenario.pool], random.Random(1)
        cpu, database, queries = [], [], []
        for i in range(requests + 3):  # three warm-up requests
            path = scenario.path(rng)
            spent.update(queries=0, seconds=0.0)
            with connection.execute_wrapper(timed):
                started = time.process_time()
                response = client.get(path)
                used = time.process_time() - started
            if response.status_code != 200:
                raise SystemExit(f"{scenario.name}: {path} answered {response.status_code}")
            if i >= 3:
                cpu.append(used * 1000)
                database.append(spent["seconds"] * 1000)
                queries.append(spent["queries"])
        results[scenario.name] = (
            statistics.median(cpu),
            statistics.median(database),
            max(queries),
        )
        name, (c, d, q) = scenario.name, results[scenario.name]
        print(f"{name:28} cpu {c:7.1f} ms   database {d:7.1f} ms   queries {q}", flush=True)
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("-n", "--requests", type=int, default=40, help="requests per page")
    args = parser.parse_args(argv)
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.perf.bench_settings"
    os.environ["DATABASE_URL"] = args.database_url
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    measure(args.requests)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
