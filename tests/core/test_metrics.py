"""/metrics: Prometheus text, for the operator's token only, right under several workers."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.kit import LOGIN, PASSWORD, REFRESH, assert_problem, bearer

TOKEN = "metrics-token-for-the-tests"
REPO = Path(__file__).resolve().parents[2]


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text format (0 when absent)."""
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.rsplit(" ", 1)[0]))
        if all(found.get(key) == value for key, value in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


@pytest.fixture
def metrics_app(build_app):
    return build_app(METRICS_TOKEN=TOKEN)


def scrape(client) -> str:
    response = client.get("/metrics", headers=bearer(TOKEN))
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    return response.get_data(as_text=True)


def test_metrics_are_not_served_without_a_token_configured(client):
    assert_problem(client.get("/metrics", headers=bearer(TOKEN)), 404)


@pytest.mark.parametrize("headers", [{}, bearer("wrong"), {"Authorization": TOKEN}])
def test_metrics_answer_only_the_operators_token(metrics_app, headers):
    assert_problem(metrics_app.test_client().get("/metrics", headers=headers), 404)


def test_requests_are_counted_by_route_template_and_status(metrics_app, user_factory):
    client = metrics_app.test_client()
    before = scrape(client)
    for _ in range(3):
        assert client.get("/api/v1/users/999999").status_code == 404
    client.get("/api/v1/posts")
    text = scrape(client)
    template = "/api/v1/users/<int(min=1, max=2147483647):user_id>"
    name = "postwell_http_request_duration_seconds_count"
    labels = {"method": "GET", "url_rule": template, "status": "404"}
    assert sample(text, name, **labels) - sample(before, name, **labels) == 3
    assert sample(text, name, method="GET", url_rule="/api/v1/posts", status="200") >= 1
    assert "/api/v1/users/999999" not in text  # never the raw path
    assert "postwell_http_requests_in_flight" in text
    assert "postwell_db_pool_connections_in_use" in text
    assert 'url_rule="/metrics"' not in text


def test_rate_limit_rejections_are_counted(build_app, alice):
    app = build_app(METRICS_TOKEN=TOKEN, RATE_LIMITS_ENABLED=True, RATELIMIT_AUTH="1 per minute")
    client = app.test_client()
    name, labels = "postwell_rate_limit_rejections_total", {"limit": "1 per 1 minute"}
    before = sample(scrape(client), name, **labels)
    address = {"REMOTE_ADDR": "10.99.0.7"}  # a counter of its own in a shared store
    statuses = [
        client.post(
            LOGIN, json={"login": "nobody", "password": "wrong password"}, environ_base=address
        ).status_code
        for _ in range(3)
    ]
    assert statuses == [401, 429, 429]
    after = sample(scrape(client), name, **labels)
    assert after - before == 2


def test_refresh_token_reuse_is_counted(metrics_app, app, client, alice, monkeypatch):
    # No grace interval: the second use of a refresh token is a reuse at once.
    monkeypatch.setitem(app.config, "JWT_REFRESH_REUSE_INTERVAL", 0)
    scraper = metrics_app.test_client()
    before = sample(scrape(scraper), "postwell_refresh_token_reuse_detections_total")
    pair = client.post(LOGIN, json={"login": "alice", "password": PASSWORD}).json
    assert client.post(REFRESH, headers=bearer(pair["refresh_token"])).status_code == 200
    assert client.post(REFRESH, headers=bearer(pair["refresh_token"])).status_code == 401
    after = sample(scrape(scraper), "postwell_refresh_token_reuse_detections_total")
    assert after - before == 1


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.mark.slow
def test_counts_add_up_across_gunicorn_workers(tmp_path):
    """Two workers, many requests: every scrape sees the sum, whichever worker answers."""
    port = free_port()
    env = {
        **os.environ,
        "APP_ENV": "development",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'metrics.db'}",
        "REDIS_URL": "",
        "METRICS_TOKEN": TOKEN,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "LOG_LEVEL": "WARNING",
    }
    (tmp_path / "prometheus").mkdir()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if get(f"{base}/health/live")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        for _ in range(40):
            assert get(f"{base}/health/live")[0] == 200
        for _ in range(4):  # several scrapes, answered by either worker
            status, text = get(f"{base}/metrics", bearer(TOKEN))
            assert status == 200
            count = sample(
                text,
                "postwell_http_request_duration_seconds_count",
                method="GET",
                url_rule="/health/live",
                status="200",
            )
            assert count >= 40  # plus the start-up probes
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
