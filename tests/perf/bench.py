"""Benchmark the pages and API on a generated database: gunicorn on 127.0.0.1, concurrent HTTP clients.

    make bench BENCH_ARGS="--database-url postgres://postgres@127.0.0.1:5432/resettle_bench_100k --build 100000 --label 100k"

Steps: (optionally) create, migrate and fill the benchmark database with generate_load_data; start
gunicorn with tests.perf.bench_settings (DEBUG off, a floor view at /bench/floor/); sign the clients
in as staff of the busiest agencies; for each scenario run --clients threads until --requests
requests or --seconds have passed; time the scheduled jobs in-process inside a rolled-back
transaction; print a Markdown table (ms and ratio to the floor) and, with --label, write it into
docs/performance.md. Loopback only; every request count and duration is bounded.
"""

import argparse
import datetime
import http.client
import math
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "performance.md"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/resettle_bench_100k"
LOOPBACK = "127.0.0.1"
CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


# --- HTTP client ------------------------------------------------------------------------------


class Client:
    """A minimal cookie-keeping HTTP client (one connection per request, as gunicorn's sync workers do)."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict | None = None):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
        headers = {"Host": f"{self.host}:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        payload = None
        if body is not None:
            payload = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://{self.host}:{self.port}{path}"
        started = time.perf_counter()
        conn.request(method, path, body=payload, headers=headers)
        response = conn.getresponse()
        data = response.read()
        elapsed = time.perf_counter() - started
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        conn.close()
        return response.status, data, elapsed

    def get(self, path: str):
        return self.request("GET", path)

    def sign_in(self, username: str, password: str):
        """GET the form (untimed), POST the credentials (timed). Returns (ok, seconds)."""
        self.cookies.clear()
        status, data, _ = self.get("/sign-in/")
        match = CSRF_FIELD.search(data)
        if status != 200 or match is None:
            return False, 0.0
        status, _data, elapsed = self.request(
            "POST",
            "/sign-in/",
            {
                "csrfmiddlewaretoken": match.group(1).decode(),
                "username": username,
                "password": password,
            },
        )
        return status == 302 and "sessionid" in self.cookies, elapsed


# --- scenarios --------------------------------------------------------------------------------


@dataclass
class Scenario:
    name: str
    pool: str  # which signed-in users run it
    path: object = None  # callable(rng) -> path, for GET scenarios
    action: object = None  # callable(client, rng, username) -> (ok, seconds), for others
    requests: int | None = None  # override of --requests
    skipped: str = ""


@dataclass
class Result:
    name: str
    latencies: list = field(default_factory=list)
    errors: int = 0
    wall: float = 0.0
    skipped: str = ""

    @property
    def count(self):
        return len(self.latencies)

    def median_ms(self):
        return statistics.median(self.latencies) * 1000 if self.latencies else None

    def p95_ms(self):
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)] * 1000

    def throughput(self):
        return self.count / self.wall if self.wall else None


def run_scenario(
    scenario: Scenario,
    clients: list[tuple[Client, str]],
    *,
    requests: int,
    seconds: float,
    warmup: int = 2,
) -> Result:
    """Run one scenario with one thread per client until `requests` are done or `seconds` have passed."""
    result = Result(scenario.name)
    lock = threading.Lock()
    issued = [0]
    start = [0.0]

    def begin():
        start[0] = time.perf_counter()

    barrier = threading.Barrier(len(clients), action=begin)

    def once(client, rng, username):
        if scenario.action is not None:
            return scenario.action(client, rng, username)
        status, _data, elapsed = client.get(scenario.path(rng))
        return status == 200, elapsed

    def worker(index):
        client, username = clients[index]
        rng = random.Random(f"{scenario.name}:{index}")  # noqa: S311 (benchmark sampling)
        for _ in range(warmup):
            once(client, rng, username)
        barrier.wait()
        deadline = start[0] + seconds
        while True:
            with lock:
                if issued[0] >= requests or time.perf_counter() > deadline:
                    return
                issued[0] += 1
            ok, elapsed = once(client, rng, username)
            with lock:
                result.latencies.append(elapsed)
                if not ok:
                    result.errors += 1

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.wall = time.perf_counter() - start[0]
    return result


def _url(name: str, **kwargs) -> str | None:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


def make_plan(*, clients: int = 4) -> dict:
    """Pick the busiest agencies, their staff, visible people and search terms from the database."""
    from django.db.models import Count, Q

    from agencies.models import Role, StaffMembership
    from casework.models import Case
    from consent import policy
    from consent.models import PersonAccess
    from core.loadgen.names import SURNAMES
    from core.loadgen.world import BENCH_PASSWORD

    today = policy.today()
    busiest = (
        Case.objects.filter(end_date__isnull=True, owning_agency__kind="probation")
        .values("owning_agency")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    if busiest is None:
        raise SystemExit("No open probation cases: generate data first (--build N)")
    agency = busiest["owning_agency"]

    def staff_of(agency_id, roles):
        return list(
            StaffMembership.objects.filter(
                agency_id=agency_id,
                role__in=roles,
                is_active=True,
                user__is_active=True,
                user__username__startswith="lg.",
            )
            .annotate(
                n=Count("user__owned_cases", filter=Q(user__owned_cases__end_date__isnull=True))
            )
            .order_by("-n", "user__username")
            .values_list("user__username", flat=True)[:clients]
        )

    pools = {"probation": staff_of(agency, [Role.CASEWORKER])}
    plan = {
        "agency": agency,
        "open_cases": busiest["n"],
        "pools": pools,
        "password": BENCH_PASSWORD,
        "people": list(
            PersonAccess.objects.filter(
                agency_id=agency, visible_until__gte=today, person__restricted=False
            )
            .order_by("person_id")
            .values_list("person_id", flat=True)[:2000]
        ),
        "common": SURNAMES[:20],
        "rare": SURNAMES[200::37],
    }
    try:
        from referrals.models import Referral

        inbox = (
            Referral.objects.filter(status="sent")
            .values("to_agency")
            .annotate(n=Count("id"))
            .order_by("-n")
            .first()
        )
        if inbox:
            plan["inbox_agency"], plan["inbox_waiting"] = inbox["to_agency"], inbox["n"]
            pools["inbox"] = staff_of(
                inbox["to_agency"], [r for r in Role.values if r not in ("manager", "admin")]
            )
    except ImportError:
        pass
    try:
        from employers.models import RetentionCheck

        due = (
            RetentionCheck.objects.filter(status__in=["due", "overdue"])
            .values("spell__agency")
            .annotate(n=Count("id"))
            .order_by("-n")
            .first()
        )
        if due:
            plan["checks_agency"], plan["checks_due"] = due["spell__agency"], due["n"]
            pools["checks"] = staff_of(
                due["spell__agency"], [r for r in Role.values if r not in ("manager", "admin")]
            )
    except Exception as exc:  # noqa: BLE001 (optional app, any shape)
        print(f"retention checks not benchmarked: {exc!r}")
    return plan


def scenarios(plan: dict, *, sign_in_requests: int = 40) -> list[Scenario]:
    people = plan["people"] or [0]
    common, rare = plan["common"], plan["rare"]

    def sign_in(client, rng, username):
        return Client(client.host, client.port).sign_in(username, plan["password"])

    def surname(rng):
        return rng.choice(common) if rng.random() < 0.5 else rng.choice(rare)

    caseload = _url("casework:caseload")
    search = _url("casework:person_search")
    api_people = _url("api:person-list")
    inbox = _url("referrals:inbox")
    checks = _url("employers:checks_due")
    found = [
        Scenario("floor (trivial view)", "probation", path=lambda rng: "/bench/floor/"),
        Scenario("sign-in (POST)", "probation", action=sign_in, requests=sign_in_requests),
        Scenario("caseload, first page", "probation", path=lambda rng: caseload),
        Scenario(
            "caseload, filtered",
            "probation",
            path=lambda rng: (
                caseload
                + "?"
                + urllib.parse.urlencode(
                    {
                        "stage": rng.choice(["in_community", "released", "in_work"]),
                        "support_level": rng.choice(["high", "medium", "low"]),
                    }
                )
            ),
        ),
        Scenario("caseload, page 5", "probation", path=lambda rng: caseload + "?page=5"),
        Scenario("search by name", "probation", path=lambda rng: f"{search}?q={surname(rng)}"),
        Scenario(
            "person page",
            "probation",
            path=lambda rng: _url("casework:person_detail", pk=rng.choice(people)),
        ),
        Scenario("people API list", "probation", path=lambda rng: api_people),
        Scenario(
            "people API search", "probation", path=lambda rng: f"{api_people}?q={surname(rng)}"
        ),
    ]
    my_work = _url("casework:my_work")
    if my_work:
        found.append(
            Scenario("my work (team)", "probation", path=lambda rng: my_work + "?whose=team")
        )
    found.append(
        Scenario("referral inbox", "inbox", path=lambda rng: inbox)
        if inbox and plan["pools"].get("inbox")
        else Scenario(
            "referral inbox", "inbox", skipped="referrals not on this branch or no referrals"
        )
    )
    found.append(
        Scenario("retention checks due", "checks", path=lambda rng: checks)
        if checks and plan["pools"].get("checks")
        else Scenario(
            "retention checks due",
            "checks",
            skipped="employers not on this branch or no checks due",
        )
    )
    return found


# --- jobs (in-process, rolled back) -----------------------------------------------------------


class _Rollback(Exception):
    pass


def _timed_rolled_back(func):
    from django.db import transaction

    started = time.perf_counter()
    try:
        with transaction.atomic():
            outcome = func()
            elapsed = time.perf_counter() - started
            raise _Rollback
    except _Rollback:
        pass
    return elapsed, outcome


def run_jobs(plan: dict) -> list[tuple[str, float | None, str]]:
    """Time the retention sweep and a region monthly report on the national data, then roll back."""
    jobs = []
    try:
        from employers.services import retention_sweep
    except ImportError:
        jobs.append(("retention sweep (all open checks)", None, "employers not on this branch"))
    else:
        from django.test import override_settings

        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            elapsed, outcome = _timed_rolled_back(retention_sweep)
        jobs.append(("retention sweep (all open checks)", elapsed, str(outcome)[:120]))
    try:
        from reporting import services as reporting_services
        from reporting.models import Report
        from reporting.periods import last_month
    except ImportError:
        jobs.append(("region monthly report", None, "reporting not on this branch"))
    else:
        from agencies.models import Agency
        from consent import policy

        region = Agency.objects.get(pk=plan["agency"]).region

        def build_report():
            report = Report.objects.create(
                month=last_month(policy.today()),
                to_month=last_month(policy.today()),
                scope="region",
                region=region,
            )
            return reporting_services.report_build(report_id=report.pk)

        elapsed, report = _timed_rolled_back(build_report)
        jobs.append(
            (
                f"region monthly report ({region.name}, PDF + CSV)",
                elapsed,
                f"status {getattr(report, 'status', '?')}",
            )
        )
    jobs.append(scan_job(plan.get("scan_rows", 100_000)))
    return jobs


def scan_job(rows: int, people: int | None = None) -> tuple[str, float | None, str]:
    """Preview a rows-row matching scan (tests/perf/bench_scan.py), rolled back."""
    try:
        from tests.perf import bench_scan
    except ImportError:
        return ("matching scan preview", None, "custody not on this branch")
    result = bench_scan.scan_preview_benchmark(rows, people=people or bench_scan.PEOPLE)
    verdict = "within" if result["within_budget"] else "OVER"
    return (
        f"matching scan preview ({result['rows']:,} rows)",
        result["seconds"],
        f"{verdict} the {result['budget_seconds']:.0f} s budget; "
        f"peak +{result['peak_rss_growth_mb']:.0f} MB",
    )


# --- server -----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def start_server(database_url: str, *, workers: int, port: int = 0):
    port = port or _free_port()
    env = dict(
        os.environ, DJANGO_SETTINGS_MODULE="tests.perf.bench_settings", DATABASE_URL=database_url
    )
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"{LOOPBACK}:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--timeout",
            "120",
        ],
        cwd=ROOT,
        env=env,
    )
    client = Client(LOOPBACK, port)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if client.get("/bench/floor/")[0] == 200:
                return process, port
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise SystemExit("gunicorn did not answer on /bench/floor/ within 60 s")


def stop_server(process) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


# --- whole run ----------------------------------------------------------------------------------


def bench(
    base_host: str,
    port: int,
    plan: dict,
    *,
    clients: int,
    requests: int,
    seconds: float,
    sign_in_requests: int = 40,
    log=print,
) -> list[Result]:
    pools: dict[str, list[tuple[Client, str]]] = {}
    for pool, usernames in plan["pools"].items():
        signed = []
        for i in range(clients):
            if not usernames:
                break
            username = usernames[i % len(usernames)]
            client = Client(base_host, port)
            ok, _ = client.sign_in(username, plan["password"])
            if not ok:
                raise SystemExit(f"could not sign in as {username}")
            signed.append((client, username))
        pools[pool] = signed
    results = []
    for scenario in scenarios(plan, sign_in_requests=sign_in_requests):
        if scenario.skipped or not pools.get(scenario.pool):
            results.append(Result(scenario.name, skipped=scenario.skipped or "no users"))
            log(f"  {scenario.name:<28} skipped: {scenario.skipped or 'no users'}")
            continue
        result = run_scenario(
            scenario, pools[scenario.pool], requests=scenario.requests or requests, seconds=seconds
        )
        results.append(result)
        log(
            f"  {scenario.name:<28} n={result.count:<4} median {result.median_ms():7.1f} ms  p95 {result.p95_ms():7.1f} ms"
            f"  {result.throughput():6.1f}/s  errors {result.errors}"
        )
    return results


def table(results: list[Result], jobs: list | None = None) -> str:
    floor = next((r for r in results if r.name.startswith("floor") and r.latencies), None)
    f_med, f_p95 = (floor.median_ms(), floor.p95_ms()) if floor else (None, None)
    lines = [
        "| scenario | requests | median ms | p95 ms | req/s | median / floor | p95 / floor | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        if r.skipped or not r.latencies:
            lines.append(f"| {r.name} | — | — | — | — | — | — | skipped: {r.skipped} |")
            continue
        ratio_m = f"{r.median_ms() / f_med:.1f}x" if f_med else "—"
        ratio_p = f"{r.p95_ms() / f_p95:.1f}x" if f_p95 else "—"
        lines.append(
            f"| {r.name} | {r.count} | {r.median_ms():.1f} | {r.p95_ms():.1f} | {r.throughput():.1f} | "
            f"{ratio_m} | {ratio_p} | {r.errors} |"
        )
    for name, seconds, note in jobs or []:
        if seconds is None:
            lines.append(f"| {name} | — | — | — | — | — | — | skipped: {note} |")
        else:
            lines.append(
                f"| {name} | 1 run | {seconds * 1000:.0f} | — | — | — | — | {note.replace('|', '/')} |"
            )
    return "\n".join(lines)


def write_doc(label: str, text: str) -> None:
    start, end = f"<!-- bench:{label} -->", f"<!-- /bench:{label} -->"
    block = f"{start}\n{text.strip()}\n{end}"
    current = DOC.read_text() if DOC.exists() else "# Performance\n"
    if start in current and end in current:
        before, rest = current.split(start, 1)
        _, after = rest.split(end, 1)
        current = before + block + after
    else:
        current = current.rstrip() + "\n\n" + block + "\n"
    DOC.write_text(current)


def _block_rows(text: str, label: str) -> dict[str, list[str]]:
    start, end = f"<!-- bench:{label} -->", f"<!-- /bench:{label} -->"
    if start not in text or end not in text:
        return {}
    block = text.split(start, 1)[1].split(end, 1)[0]
    rows = {}
    for line in block.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 8 and cells[0] not in ("scenario", "---"):
            rows[cells[0]] = cells
    return rows


def _number(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None


def comparison(text: str, small: str = "100k", large: str = "1m") -> str | None:
    """p95 (or run time for jobs) at both sizes, their ratio, and the targets of issue 11."""
    a, b = _block_rows(text, small), _block_rows(text, large)
    if not a or not b:
        return None
    lines = [
        f"| scenario | p95 ms {small} | p95 ms {large} | {large} / {small} | p95 < 200 ms at {large} | within 1.3x |",
        "|---|---:|---:|---:|---|---|",
    ]
    for name, row in b.items():
        other = a.get(name)
        if other is None:
            continue
        job = row[1] == "1 run"
        x, y = _number(other[2] if job else other[3]), _number(row[2] if job else row[3])
        if x is None or y is None:
            continue
        target = (
            ("yes" if y < 60000 else "no") + " (< 60 s)" if job else ("yes" if y < 200 else "no")
        )
        if name.startswith("floor"):
            target = "(floor)"
        flat = "— (volume grows 10x)" if job else ("yes" if y / x <= 1.3 else "no")
        lines.append(f"| {name} | {x:.0f} | {y:.0f} | {y / x:.1f}x | {target} | {flat} |")
    return "\n".join(lines)


# --- database preparation ------------------------------------------------------------------------


def ensure_database(url: str, *, rebuild: bool) -> None:
    import dj_database_url
    import psycopg2

    cfg = dj_database_url.parse(url)
    name = cfg["NAME"]
    if "bench" not in name and "perf" not in name:
        raise SystemExit(
            f"Refusing to build into {name!r}: use a throw-away database whose name contains 'bench'."
        )
    conn = psycopg2.connect(
        dbname="postgres",
        user=cfg["USER"],
        host=cfg["HOST"],
        port=cfg["PORT"] or 5432,
        password=cfg.get("PASSWORD") or None,
    )
    conn.autocommit = True
    with conn.cursor() as cur:
        if rebuild:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{name}"')
        # SSD storage: random reads cost about as much as sequential ones (the PostgreSQL default of 4
        # assumes spinning disks and makes the planner prefer scanning all people). Recommended in
        # production too, see docs/performance.md.
        cur.execute(f'ALTER DATABASE "{name}" SET random_page_cost = 1.1')
        # JIT compiles any query whose *estimate* is high, even when it then touches a few rows: it cost
        # 30-400 ms per page at 1,000,000 people (see docs/performance.md). Off for OLTP.
        cur.execute(f'ALTER DATABASE "{name}" SET jit = off')
    conn.close()


def build_database(url: str, people: int, *, seed: int, rebuild: bool, log=print) -> dict:
    ensure_database(url, rebuild=rebuild)
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="tests.perf.bench_settings", DATABASE_URL=url)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--no-input", "-v0"], cwd=ROOT, env=env, check=True)  # noqa: S603
    started = time.perf_counter()
    subprocess.run(
        [*manage, "generate_load_data", "--people", str(people), "--seed", str(seed)],  # noqa: S603
        cwd=ROOT,
        env=env,
        check=True,
    )
    seconds = time.perf_counter() - started
    log(f"built {people:,} people in {seconds:.1f} s")
    return {"people": people, "seconds": seconds}


def database_summary() -> dict:
    from django.db import connection

    tables = [
        "casework_person",
        "casework_case",
        "consent_personaccess",
        "consent_consentrecord",
        "audit_accessevent",
        "referrals_referral",
        "employers_employmentspell",
        "employers_retentioncheck",
    ]
    counts = {}
    with connection.cursor() as cursor:
        for name in tables:
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [name])
            row = cursor.fetchone()
            if row is not None:
                counts[name] = max(row[0], 0)
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        counts["database size"] = cursor.fetchone()[0]
    return counts


def scan_only(url: str, rows: int) -> int:
    ensure_database(url, rebuild=False)
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="tests.perf.bench_settings", DATABASE_URL=url)
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "migrate", "--no-input", "-v0"], cwd=ROOT, env=env, check=True
    )
    os.environ.update(DJANGO_SETTINGS_MODULE="tests.perf.bench_settings", DATABASE_URL=url)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from tests.perf import bench_scan

    result = bench_scan.scan_preview_benchmark(rows)
    print(bench_scan.describe(result))
    return 0 if result["within_budget"] else 1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description="Benchmark pages and API against a generated database."
    )
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument(
        "--build", type=int, default=0, metavar="PEOPLE", help="create and fill the database first"
    )
    parser.add_argument("--rebuild", action="store_true", help="drop the database before --build")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument(
        "--requests", type=int, default=200, help="requests per scenario (all clients together)"
    )
    parser.add_argument("--sign-in-requests", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=30.0, help="time limit per scenario")
    parser.add_argument(
        "--no-jobs", action="store_true", help="skip the retention sweep and monthly report"
    )
    parser.add_argument(
        "--label", default="", help="write the table into docs/performance.md under this label"
    )
    parser.add_argument(
        "--scan-rows", type=int, default=100_000, help="rows of the matching scan preview job"
    )
    parser.add_argument(
        "--scan-only",
        action="store_true",
        help="only the matching scan preview (migrates the database; no server, no load data); "
        "exit status 1 when over its budget",
    )
    args = parser.parse_args(argv)

    if args.scan_only:
        return scan_only(args.database_url, args.scan_rows)
    build = None
    if args.build:
        build = build_database(args.database_url, args.build, seed=args.seed, rebuild=args.rebuild)
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.perf.bench_settings"
    os.environ["DATABASE_URL"] = args.database_url
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    plan = make_plan(clients=args.clients)
    plan["scan_rows"] = args.scan_rows
    summary = database_summary()
    print(f"database: {summary}")
    print(
        f"busiest probation agency {plan['agency']}: {plan['open_cases']} open cases; pools "
        f"{ {k: len(v) for k, v in plan['pools'].items()} }"
    )
    load = os.getloadavg()
    process, port = start_server(args.database_url, workers=args.workers)
    try:
        results = bench(
            LOOPBACK,
            port,
            plan,
            clients=args.clients,
            requests=args.requests,
            seconds=args.seconds,
            sign_in_requests=args.sign_in_requests,
        )
    finally:
        stop_server(process)
    jobs = [] if args.no_jobs else run_jobs(plan)
    text = table(results, jobs)
    command = 'make bench BENCH_ARGS="' + " ".join(argv if argv is not None else sys.argv[1:]) + '"'
    header = [
        f"Measured {datetime.datetime.now():%Y-%m-%d %H:%M} on {os.cpu_count()} cores "
        f"(load average {load[0]:.1f} at start, shared machine), {args.clients} clients, "
        f"gunicorn {args.workers} sync workers, PostgreSQL on 127.0.0.1.",
        f"Command: `{command}`",
        "",
        "Data: "
        + ", ".join(f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}" for k, v in summary.items())
        + f"; caseload of the busiest probation agency: {plan['open_cases']:,} open cases"
        + (
            f"; referral inbox: {plan.get('inbox_waiting', 0):,} waiting"
            if plan.get("inbox_waiting")
            else ""
        )
        + ".",
    ]
    if build:
        header.append(
            f"Build: generate_load_data --people {build['people']:,} took {build['seconds']:.0f} s "
            "(migrate excluded)."
        )
    report = "\n".join(header) + "\n\n" + text + "\n"
    print(report)
    if args.label:
        write_doc(args.label, report)
        print(f"written to {DOC} under '{args.label}'")
        compared = comparison(DOC.read_text())
        if compared:
            write_doc("compare", compared)
            print(compared)
    return 0


if __name__ == "__main__":
    sys.exit(main())
