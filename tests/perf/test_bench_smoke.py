"""A tiny run of the benchmark (generator + plan + threaded clients + table) so `make bench` cannot rot."""

import urllib.parse

import pytest

from tests.perf import bench


@pytest.mark.urls("tests.perf.bench_urls")
def test_bench_runs_every_scenario_against_a_live_server_and_prints_the_table(
    live_server, load_world
):
    load_world(300)
    plan = bench.make_plan(clients=2)
    assert plan["pools"]["probation"] and plan["people"]
    url = urllib.parse.urlsplit(live_server.url)
    results = bench.bench(
        url.hostname,
        url.port,
        plan,
        clients=2,
        requests=4,
        seconds=5,
        sign_in_requests=2,
        log=lambda *a: None,
    )
    by_name = {r.name: r for r in results}
    for name in (
        "floor (trivial view)",
        "sign-in (POST)",
        "caseload, first page",
        "caseload, filtered",
        "search by name",
        "person page",
        "people API list",
    ):
        assert by_name[name].count >= 2, name
        assert by_name[name].errors == 0, name
    text = bench.table(
        results, [("retention sweep (all open checks)", None, "not measured in the smoke run")]
    )
    assert text.startswith("| scenario | requests | median ms | p95 ms | req/s | median / floor |")
    assert "| caseload, first page |" in text
    assert "x |" in text  # ratios to the floor


def test_write_doc_replaces_only_its_own_block(tmp_path, monkeypatch):
    monkeypatch.setattr(bench, "DOC", tmp_path / "performance.md")
    (tmp_path / "performance.md").write_text("# Performance\n\nIntro.\n")
    bench.write_doc("100k", "first")
    bench.write_doc("1m", "other")
    bench.write_doc("100k", "second")
    text = (tmp_path / "performance.md").read_text()
    assert "Intro." in text and "second" in text and "other" in text and "first" not in text


def test_comparison_gives_the_ratio_of_p95_between_sizes():
    small = bench.table([_result("caseload, first page", [0.1] * 20)])
    large = bench.table([_result("caseload, first page", [0.12] * 20)])
    text = f"<!-- bench:100k -->\n{small}\n<!-- /bench:100k -->\n<!-- bench:1m -->\n{large}\n<!-- /bench:1m -->"
    compared = bench.comparison(text)
    assert "| caseload, first page | 100 | 120 | 1.2x | yes | yes |" in compared


def _result(name, latencies):
    result = bench.Result(name, latencies=latencies)
    result.wall = 1.0
    return result
