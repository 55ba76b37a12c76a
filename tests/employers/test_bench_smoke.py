import pytest

from tests.perf.bench_retention import run_benchmark

pytestmark = pytest.mark.django_db(transaction=True)


def test_benchmark_runs_on_a_small_set_with_a_fixed_number_of_queries_per_batch():
    result = run_benchmark(spells=200, batch_size=100)
    assert result["checks"] == 600
    first = result["first"]
    assert first["due"] + first["overdue"] == result["expected_due"] == first["notified"] > 0
    assert result["second"] == {"due": 0, "overdue": 0, "notified": 0, "batches": 3}
    assert result["queries_per_batch"] <= 7  # 6 + the in-app notice to the adviser
