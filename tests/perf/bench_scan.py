"""Benchmark: preview a 100,000-row matching scan (issue 16) within BUDGET_SECONDS.

    make bench BENCH_ARGS="--scan-only --database-url postgres://postgres@127.0.0.1:5432/resettle_bench_scan"

Also one of the jobs of every full `make bench` run. In a rolled-back transaction, on a throw-away
storage directory: a Jobcentre with a benefit surgery at a prison, an EBSA, PEOPLE people received at
the prison (so part of the file matches), and a synthetic CSV of ROWS rows (the size limit allows it).
It times the request side (`scan_upload`: size, line count, hash, head check, store) and the worker
side (`scan_preview_run`: streamed parse, chunked matching, preview kept) and reports the peak memory
growth. Not a unit test: timing a shared machine in the suite would be flaky, so the suite only runs a
small smoke version (tests/perf/test_scan_bench.py).
"""

import datetime
import resource
import tempfile
import time

ROWS = 100_000
PEOPLE = 200
BUDGET_SECONDS = 30.0  # upload + check of ROWS rows: about 10 s on the shared 2-core dev machine
HEADER = "ni_number,prison_number,last_name,date_of_birth,reception_date,benefit,benefit_delivery_centre\r\n"


class _Rollback(Exception):
    pass


def scan_csv(rows: int, people: list[tuple[str, str, str]], reception: datetime.date) -> bytes:
    """rows lines: the first len(people) rows name the received people (new work items), the rest
    unknown people with valid identifiers (no match)."""
    day = reception.isoformat()
    lines = [HEADER]
    for ni, number, last in people[:rows]:
        lines.append(f"{ni},{number},{last},,{day},universal_credit,\r\n")
    for i in range(max(0, rows - len(people))):
        lines.append(f"JK{i:06d}A,,Nobody,,{day},jsa,\r\n")
    return "".join(lines).encode()


def _world(people: int):
    from agencies.models import AgencyKind, Role, SiteKind
    from casework.models import SentenceEpisode, SentenceType
    from consent import policy
    from custody.services import benefit_surgery_open
    from tests.factories import AgencyFactory, RegionFactory, SiteFactory, person_with_case, staff

    region = RegionFactory(name="Scan bench region")
    probation = AgencyFactory(name="Scan bench probation", kind=AgencyKind.PROBATION, region=region)
    prison = AgencyFactory(name="Scan bench prison", kind=AgencyKind.PRISON, region=region)
    jobcentre = AgencyFactory(name="Scan bench Jobcentre", kind=AgencyKind.JOBCENTRE, region=region)
    site = SiteFactory(agency=prison, name="HMP Scan bench", kind=SiteKind.PRISON, town="Bench")
    benefit_surgery_open(jobcentre=jobcentre, establishment=site)
    caseworker = staff("scan_bench_caseworker", probation, Role.CASEWORKER)
    ebsa = staff("scan_bench_ebsa", jobcentre, Role.EBSA)
    reception = policy.today() - datetime.timedelta(days=10)
    named = []
    for i in range(people):
        ni, number = f"JZ{900000 + i:06d}C", f"B{1000 + i:04d}BC"
        person, _ = person_with_case(
            caseworker,
            first_name="Bench",
            last_name=f"Person{i}",
            national_insurance_number=ni,
            prison_number=number,
            offender_group="short_custody",
        )
        SentenceEpisode.objects.create(
            person=person,
            sentence_type=SentenceType.CUSTODIAL,
            reception_date=reception,
            sentence_date=reception,
            establishment=site,
            expected_release_date=reception + datetime.timedelta(days=200),
        )
        policy.refresh_person_access(person)
        named.append((ni, number, f"Person{i}"))
    return ebsa, named, reception


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def scan_preview_benchmark(
    rows: int = ROWS, *, people: int = PEOPLE, budget: float | None = BUDGET_SECONDS
) -> dict:
    """Upload and check a rows-row scan; everything is rolled back and the files removed."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction
    from django.test import override_settings

    from custody import scan

    result = {}
    with tempfile.TemporaryDirectory() as media, override_settings(MEDIA_ROOT=media):
        try:
            with transaction.atomic():
                ebsa, named, reception = _world(people)
                content = scan_csv(rows, named, reception)
                result["bytes"] = len(content)
                rss_before = _rss_mb()
                started = time.perf_counter()
                stored = scan.scan_upload(
                    user=ebsa, upload=SimpleUploadedFile("bench.csv", content, "text/csv")
                )
                uploaded = time.perf_counter()
                checked = scan.scan_preview_run(scan_id=stored.pk)
                finished = time.perf_counter()
                result.update(
                    rows=checked.total_rows,
                    status=checked.status,
                    counts={k: v for k, v in checked.counts.items() if k != "encoding_note"},
                    upload_seconds=round(uploaded - started, 2),
                    check_seconds=round(finished - uploaded, 2),
                    seconds=round(finished - started, 2),
                    peak_rss_growth_mb=round(max(0.0, _rss_mb() - rss_before), 1),
                )
                raise _Rollback
        except _Rollback:
            pass
    result["budget_seconds"] = budget
    result["within_budget"] = budget is None or result["seconds"] <= budget
    return result


def describe(result: dict) -> str:
    return (
        f"matching scan preview: {result['rows']:,} rows ({result['bytes'] / 1e6:.1f} MB) in "
        f"{result['seconds']:.1f} s (request {result['upload_seconds']:.1f} s, worker "
        f"{result['check_seconds']:.1f} s), peak memory +{result['peak_rss_growth_mb']:.0f} MB, "
        f"budget {result['budget_seconds']} s: {'ok' if result['within_budget'] else 'OVER BUDGET'}; "
        f"{result['counts']}"
    )
