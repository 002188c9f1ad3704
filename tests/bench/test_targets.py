"""The benchmark's verdicts on issue 8's targets (bench.targets)."""

from bench.consistency import StaleReport
from bench.load import Result
from bench.targets import ERROR, FAIL, NOT_MEASURED, PASS, Target, judge, stale_verdict


def result(name="posts/first", errors=0, rps_vs_ceiling=0.3, sql=1) -> Result:
    return Result(
        name=name,
        label="GET /api/v1/posts?limit=20",
        server="uncached",
        requests=100,
        errors=errors,
        statuses={"200": 100},
        error_examples={},
        warmup_requests=20,
        seconds=1.0,
        stopped_by_time_limit=False,
        throughput_rps=100.0,
        p50_ms=5.0,
        p95_ms=9.0,
        p99_ms=12.0,
        server_p50_ms=3.0,
        throughput_vs_ceiling=rps_vs_ceiling,
        sql_statements=sql,
    )


RATIO = Target("uncached first page of 20", "posts/first", "rps/bare", 0.25)
SQL = Target("uncached first page: one SELECT", "posts/first", "sql", 1)


def test_a_ratio_target_passes_at_or_above_it_and_fails_below():
    assert judge(RATIO, result(rps_vs_ceiling=0.25)).status == PASS
    assert judge(RATIO, result(rps_vs_ceiling=0.24)).status == FAIL


def test_an_sql_target_is_a_maximum():
    assert judge(SQL, result(sql=1)).status == PASS
    assert judge(SQL, result(sql=2)).status == FAIL


def test_a_scenario_with_errors_is_an_error_not_a_pass():
    assert judge(RATIO, result(errors=1, rps_vs_ceiling=0.9)).status == ERROR


def test_a_scenario_not_run_is_not_measured():
    verdict = judge(RATIO, None)

    assert verdict.status == NOT_MEASURED
    assert verdict.measured is None


def test_any_stale_read_fails_and_a_check_that_read_nothing_is_an_error():
    clean = StaleReport(checks=8, workers=2, reads=18, stale=0)
    stale = StaleReport(checks=8, workers=2, reads=18, stale=1)

    assert stale_verdict(clean).status == PASS
    assert stale_verdict(stale).status == FAIL
    assert stale_verdict(StaleReport(checks=8, workers=2)).status == ERROR
