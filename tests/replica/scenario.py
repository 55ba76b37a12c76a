"""Run by tests/replica/test_replica.py in a child process whose settings name a real replica
(DATABASE_REPLICA_URL), so the router, the middleware and the settings are exactly production's and
every write is committed (the replica only sees committed data). Prints one JSON line of findings.

    python -m tests.replica.scenario reads|down
"""

import datetime
import json
import logging
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from agencies.models import User  # noqa: E402

warnings: list[str] = []


class Collect(logging.Handler):
    def emit(self, record):
        warnings.append(record.getMessage())


logging.getLogger("resettle.replica").addHandler(Collect(level=logging.WARNING))


def replayed(timeout=30.0):
    """Wait until the replica has replayed everything the primary has written so far."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        lsn = cursor.fetchone()[0]
    deadline = time.monotonic() + timeout
    with connections["replica"].cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
            if cursor.fetchone()[0]:
                return
            if time.monotonic() > deadline:
                raise RuntimeError("the replica did not catch up")
            time.sleep(0.1)


def replica_sql(sql):
    with connections["replica"].cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0] if cursor.description else None


def get(client, url, replica_up=True):
    """(status, body, casework queries on the replica, casework queries on the primary). With the
    replica down only the primary is watched (watching a connection opens it)."""
    with CaptureQueriesContext(connections["default"]) as on_primary:
        if replica_up:
            with CaptureQueriesContext(connections["replica"]) as on_replica:
                response = client.get(url)
            replica_queries = sum("casework_" in q["sql"] for q in on_replica.captured_queries)
        else:
            response = client.get(url)
            replica_queries = None
    return (
        response.status_code,
        response.content.decode(),
        replica_queries,
        sum("casework_" in q["sql"] for q in on_primary.captured_queries),
    )


def signed_in(username):
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def world():
    from tests.factories import AgencyFactory, person_with_case, staff

    agency = AgencyFactory(name="Replica Probation")
    cw = staff("rpl_caseworker", agency)
    staff("rpl_colleague", agency)
    person_with_case(cw, first_name="Robin", last_name="Replicaone")
    return agency


def phase_reads() -> dict:
    out = {}
    agency = world()
    replayed()
    out["replica_in_recovery"] = replica_sql("SELECT pg_is_in_recovery()")

    # 1. A report build reads from the replica.
    from reporting import services
    from reporting.models import Report

    month = datetime.date.today().replace(day=1)
    with (
        CaptureQueriesContext(connections["replica"]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        report, _queued = services.report_schedule(month=month, agency=agency)
    out["report_status"] = Report.objects.get(pk=report.pk).status
    out["report_replica_casework_queries"] = sum(
        "casework_" in q["sql"] for q in on_replica.captured_queries
    )
    out["report_primary_casework_queries"] = sum(
        "casework_" in q["sql"] for q in on_primary.captured_queries
    )
    out["report_writes_on_replica"] = sum(
        q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
        for q in on_replica.captured_queries
    )

    # 2. A lag-tolerant page reads from the replica.
    caseworker, colleague = signed_in("rpl_caseworker"), signed_in("rpl_colleague")
    status, body, rq, pq = get(caseworker, reverse("casework:caseload"))
    out["caseload"] = {
        "status": status,
        "shows": "replicaone" in body.lower(),
        "replica": rq,
        "primary": pq,
    }

    # 3. Replay paused (lag as long as we like): the writer reads its write from the primary.
    replica_sql("SELECT pg_wal_replay_pause()")
    try:
        response = caseworker.post(
            reverse("casework:person_create"),
            {
                "first_name": "Quillon",
                "last_name": "Lagwrite",
                "date_of_birth_day": "3",
                "date_of_birth_month": "2",
                "date_of_birth_year": "1991",
                "sex": "female",
                "accommodation_status": "unknown",
                "employment_status": "unknown",
                "benefit_status": "unknown",
            },
        )
        out["write_status"] = response.status_code
        out["pin_cookie"] = "resettle_primary" in response.cookies
        search = reverse("casework:person_search") + "?q=Lagwrite"
        status, body, rq, pq = get(caseworker, search)
        out["writer_reads"] = {"status": status, "shows": "quillon" in body.lower(), "replica": rq}
        time.sleep(1.5)  # the write's WAL has reached the replica but is not replayed
        status, body, rq, pq = get(colleague, search)
        out["colleague_during_lag"] = {
            "status": status,
            "shows": "quillon" in body.lower(),
            "replica": rq,
        }
        settings.REPLICA_MAX_LAG_SECONDS = 0.5  # now too far behind: the primary, logged
        status, body, rq, pq = get(colleague, search)
        out["colleague_over_max_lag"] = {
            "status": status,
            "shows": "quillon" in body.lower(),
            "replica": rq,
            "primary": pq,
        }
        settings.REPLICA_MAX_LAG_SECONDS = 10
    finally:
        replica_sql("SELECT pg_wal_replay_resume()")
    replayed()
    status, body, rq, pq = get(colleague, search)
    out["colleague_after_catch_up"] = {
        "status": status,
        "shows": "quillon" in body.lower(),
        "replica": rq,
    }
    out["warnings"] = warnings
    return out


def phase_down() -> dict:
    """The replica has been stopped by the test: reads fall back to the primary, logged."""
    out = {}
    caseworker = signed_in("rpl_caseworker")
    started = time.monotonic()
    status, body, rq, pq = get(caseworker, reverse("casework:caseload"), replica_up=False)
    out["caseload"] = {
        "status": status,
        "shows": "replicaone" in body.lower(),
        "primary": pq,
        "seconds": round(time.monotonic() - started, 2),
    }
    from agencies.models import Agency
    from reporting import services
    from reporting.models import Report

    month = (datetime.date.today().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    report, _queued = services.report_schedule(
        month=month, agency=Agency.objects.get(name="Replica Probation")
    )
    out["report_status"] = Report.objects.get(pk=report.pk).status
    status, body, rq, pq = get(caseworker, reverse("casework:caseload"), replica_up=False)
    out["second_caseload"] = {"status": status, "primary": pq}  # rests: no second attempt
    out["warnings"] = warnings
    return out


if __name__ == "__main__":
    result = {"reads": phase_reads, "down": phase_down}[sys.argv[1]]()
    print(json.dumps(result, default=str))
