"""EXPLAIN ANALYZE every SQL query the benchmarked pages make, on a generated database.

    .venv/bin/python -m tests.perf.explain --database-url postgres://postgres@127.0.0.1:5432/resettle_bench_100k

Signs in (in-process test client) as the users the benchmark uses, requests each page once to warm
up, then once more capturing its queries, and runs EXPLAIN (ANALYZE, BUFFERS) on each. Prints per
page: number of queries, total execution time, the slowest queries and every sequential scan of a
table with more than --big rows. --plans prints full plans of queries slower than --slow-ms.
"""

import argparse
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEQ = re.compile(r"Seq Scan on (\w+)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/resettle_bench_100k"
        ),
    )
    parser.add_argument(
        "--big", type=int, default=20000, help="rows above which a sequential scan is reported"
    )
    parser.add_argument("--slow-ms", type=float, default=20.0)
    parser.add_argument("--plans", action="store_true")
    parser.add_argument("--only", default="", help="substring of the page names to run")
    args = parser.parse_args(argv)
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.perf.bench_settings"
    os.environ["DATABASE_URL"] = args.database_url
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from agencies.models import User
    from tests.perf.bench import make_plan, scenarios

    plan = make_plan(clients=1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, reltuples::bigint FROM pg_class WHERE relkind = 'r'")
        sizes = dict(cursor.fetchall())
    clients = {}
    for pool, usernames in plan["pools"].items():
        if usernames:
            client = Client(SERVER_NAME="127.0.0.1")
            client.force_login(User.objects.get(username=usernames[0]))
            clients[pool] = client
    import random

    for scenario in scenarios(plan):
        if scenario.path is None or scenario.skipped or scenario.pool not in clients:
            continue
        if args.only and args.only not in scenario.name:
            continue
        client = clients[scenario.pool]
        path = scenario.path(random.Random(1))  # noqa: S311
        client.get(path)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        total = 0.0
        report = []
        for query in ctx.captured_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                report.append((0.0, sql[:90], [], ""))
                continue
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                plan_text = "\n".join(row[0] for row in cursor.fetchall())
            ms = float(re.search(r"Execution Time: ([\d.]+) ms", plan_text).group(1))
            total += ms
            executed = "\n".join(
                line for line in plan_text.splitlines() if "never executed" not in line
            )
            seqs = [t for t in SEQ.findall(executed) if sizes.get(t, 0) > args.big]
            report.append((ms, sql[:160], seqs, plan_text))
        print(
            f"\n== {scenario.name}  {path}  status {response.status_code}  {len(ctx.captured_queries)} queries, "
            f"{total:.1f} ms in the database"
        )
        for ms, sql, seqs, plan_text in sorted(report, key=lambda r: -r[0]):
            if ms >= args.slow_ms or seqs:
                print(f"  {ms:8.1f} ms  {'SEQ SCAN ' + ','.join(seqs) if seqs else ''}  {sql}")
                if args.plans:
                    print("\n".join("      " + line for line in plan_text.splitlines()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
