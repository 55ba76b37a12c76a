"""The reporting replica against a real streaming replica (issue 23, core/replica.py, ADR 0111).

The scenario runs in a child process configured exactly as production with DATABASE_URL on the
primary and DATABASE_REPLICA_URL on its streaming replica (tests/replica/scenario.py, clusters made by
conftest.streaming_replica); the test stops the replica for the last part and starts it again."""

import json
import os
import subprocess
import sys

from tests.replica.conftest import ROOT


def _scenario(phase, replica):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "DATABASE_URL": replica.primary_url,
        "DATABASE_REPLICA_URL": replica.url,
        "REPLICA_CONNECT_TIMEOUT_SECONDS": "2",
        "CELERY_TASK_ALWAYS_EAGER": "true",
    }
    done = subprocess.run(
        [sys.executable, "-m", "tests.replica.scenario", phase],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_reads_go_to_the_replica_writes_are_read_back_from_the_primary_and_a_dead_replica_is_survived(
    streaming_replica,
):
    reads = _scenario("reads", streaming_replica)
    assert reads["replica_in_recovery"] is True  # the alias really is the standby

    # A report build reads the cases from the replica and writes only to the primary.
    assert reads["report_status"] == "ready"
    assert reads["report_replica_casework_queries"] > 0
    assert reads["report_primary_casework_queries"] == 0
    assert reads["report_writes_on_replica"] == 0

    # A lag-tolerant list page is served from the replica.
    assert reads["caseload"] == {
        "status": 200,
        "shows": True,
        "replica": reads["caseload"]["replica"],
        "primary": 0,
    }
    assert reads["caseload"]["replica"] > 0

    # Replay paused: the writer is pinned to the primary and sees the new person...
    assert reads["write_status"] == 302 and reads["pin_cookie"]
    assert reads["writer_reads"] == {"status": 200, "shows": True, "replica": 0}
    # ...while a colleague reading the replica does not yet (the lag is real)...
    assert reads["colleague_during_lag"]["shows"] is False
    assert reads["colleague_during_lag"]["replica"] > 0
    # ...until the replica is too far behind (primary, logged) or has caught up (replica).
    assert reads["colleague_over_max_lag"]["shows"] is True
    assert reads["colleague_over_max_lag"]["replica"] == 0
    assert any("behind" in w for w in reads["warnings"])
    assert reads["colleague_after_catch_up"] == {
        "status": 200,
        "shows": True,
        "replica": reads["colleague_after_catch_up"]["replica"],
    }
    assert reads["colleague_after_catch_up"]["replica"] > 0

    streaming_replica.stop()
    try:
        down = _scenario("down", streaming_replica)
    finally:
        streaming_replica.start()
    assert down["caseload"]["status"] == 200 and down["caseload"]["shows"]
    assert down["caseload"]["primary"] > 0
    assert down["caseload"]["seconds"] < 10
    assert down["report_status"] == "ready"
    assert down["second_caseload"]["status"] == 200
    assert any("unreachable" in w for w in down["warnings"])
    assert sum("unreachable" in w for w in down["warnings"]) == 1  # then it rests
