"""The benchmark's reading of the response cache counter from /metrics (bench.cachestats)."""

from bench.cachestats import delta, describe, parse

WITHOUT_CACHE = """\
# HELP postwell_http_request_total Total number of HTTP requests
# TYPE postwell_http_request_total counter
postwell_http_request_total{method="GET",status="200"} 12.0
"""

WITH_CACHE = """\
# HELP postwell_response_cache_total Response cache outcomes
# TYPE postwell_response_cache_total counter
postwell_response_cache_total{endpoint="posts.Posts",outcome="hit"} 90.0
postwell_response_cache_total{endpoint="posts.Posts",outcome="miss"} 4.0
postwell_response_cache_total{endpoint="posts.PostById",outcome="hit"} 10.0
postwell_response_cache_total{endpoint="posts.PostById",outcome="waited"} 2.0
"""

LATER = WITH_CACHE.replace('outcome="miss"} 4.0', 'outcome="miss"} 7.0').replace(
    'outcome="hit"} 90.0', 'outcome="hit"} 150.0'
)


def test_a_page_without_the_counter_is_reported_as_not_available():
    counts = parse(WITHOUT_CACHE)

    assert not counts.present
    assert delta(counts, parse(WITHOUT_CACHE)) is None
    assert describe(None) == "n/a"


def test_counts_are_summed_over_endpoints_per_outcome():
    counts = parse(WITH_CACHE)

    assert counts.totals() == {"hit": 100.0, "miss": 4.0, "waited": 2.0, "bypass": 0.0}
    assert describe(counts) == "hit 100, miss 4, waited 2, bypass 0"


def test_a_phase_is_the_difference_of_two_scrapes():
    phase = delta(parse(WITH_CACHE), parse(LATER))

    assert phase.by_endpoint == {"posts.Posts": {"hit": 60.0, "miss": 3.0}}
    assert phase.totals()["miss"] == 3.0


def test_a_counter_first_seen_after_the_phase_started_counts_from_zero():
    phase = delta(parse(WITHOUT_CACHE), parse(WITH_CACHE))

    assert phase.totals() == {"hit": 100.0, "miss": 4.0, "waited": 2.0, "bypass": 0.0}


def test_a_failed_scrape_gives_no_counts():
    assert delta(None, parse(WITH_CACHE)) is None
    assert delta(parse(WITH_CACHE), None) is None
