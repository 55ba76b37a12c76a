"""A small run of the matching scan benchmark so `make bench` cannot rot (not timed: the 100,000-row
preview and its budget are measured by `make bench`, tests/perf/bench_scan.py)."""

from pathlib import Path

import pytest

from custody.models import ScanImport
from tests.perf import bench, bench_scan

pytestmark = pytest.mark.django_db


def test_scan_benchmark_previews_a_file_and_rolls_back():
    result = bench_scan.scan_preview_benchmark(600, people=4, budget=None)
    assert result["status"] == "preview" and result["rows"] == 600
    assert result["counts"]["new_work_item"] == 4 and result["counts"]["no_match"] == 596
    assert result["within_budget"] and "matching scan preview: 600 rows" in bench_scan.describe(
        result
    )
    assert not ScanImport.objects.exists()  # rolled back


def test_the_bench_command_runs_the_scan_job_and_has_a_scan_only_mode():
    name, seconds, note = bench.scan_job(300, people=3)
    assert name == "matching scan preview (300 rows)" and seconds is not None and "budget" in note
    parser_text = Path(bench.__file__).read_text()
    assert '"--scan-only"' in parser_text and '"--scan-rows"' in parser_text
