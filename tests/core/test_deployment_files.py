"""docker-compose.yml and .dockerignore (no Docker engine here: the files themselves)."""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml

from project.metrics import METRICS_PATH

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_database_health_check_goes_over_tcp(compose):
    """The image's temporary init server listens on the socket only; TCP waits for the real one."""
    check = compose["services"]["db"]["healthcheck"]["test"]
    assert check[0] == "CMD-SHELL"
    assert check[1].split() == ["pg_isready", "-h", "127.0.0.1", "-U", "postwell", "-d", "postwell"]


class Ready(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's naming)
        self.send_response(200 if self.path == "/health/ready" else 404)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_app_health_check_follows_port(compose):
    """Run the app's health check command against a server listening on $PORT."""
    check = compose["services"]["app"]["healthcheck"]["test"]
    assert check[:2] == ["CMD", "python"]
    server = http.server.HTTPServer(("127.0.0.1", 0), Ready)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        env = {**os.environ, "PORT": str(server.server_address[1])}
        ok = subprocess.run([sys.executable, *check[2:]], env=env, timeout=30, capture_output=True)
        assert ok.returncode == 0, ok.stderr
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    # Inside the network the app listens on 8000 (what Prometheus scrapes); $PORT is the host's.
    assert compose["services"]["app"]["environment"]["PORT"] == "8000"
    assert compose["services"]["app"]["ports"] == ["${PORT:-8000}:8000"]


def test_app_health_check_host_is_trusted_by_default(compose):
    """The health check calls 127.0.0.1; TRUSTED_HOSTS must let it in."""
    check = " ".join(compose["services"]["app"]["healthcheck"]["test"])
    default = compose["services"]["app"]["environment"]["TRUSTED_HOSTS"]
    assert "http://127.0.0.1:" in check
    assert default.startswith("${TRUSTED_HOSTS:-") and default.endswith("}")
    assert "127.0.0.1" in default[len("${TRUSTED_HOSTS:-") : -1].split(",")


def test_dockerignore_drops_coverage_output():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".coverage", "htmlcov", "coverage.xml"} <= ignored


def test_worker_sends_the_apps_queued_mail(compose):
    """The worker runs `flask worker` on the app's database, Redis and mail settings."""
    app, worker = compose["services"]["app"], compose["services"]["worker"]
    assert worker["command"][-1] == "worker"
    for name in ("DATABASE_URL", "REDIS_URL"):
        assert worker["environment"][name] == app["environment"][name]
    for name, value in app["environment"].items():
        if name.startswith("MAIL_"):
            assert worker["environment"][name] == value
    assert worker["environment"]["RUN_MIGRATIONS"] == "0"


# --- Prometheus (the `metrics` profile) and deploy/prometheus.yml ------------

SCRAPE_TOKEN = "token-shared-by-app-and-prometheus"


@pytest.fixture(scope="module")
def scrape_config() -> dict:
    return yaml.safe_load((ROOT / "deploy" / "prometheus.yml").read_text())


def compose_default(value: str, variable: str) -> str:
    """`${VARIABLE:-default}` -> default."""
    prefix = "${" + variable + ":-"
    assert value.startswith(prefix) and value.endswith("}"), value
    return value[len(prefix) : -1]


def postwell_job(scrape_config: dict) -> dict:
    (job,) = scrape_config["scrape_configs"]
    assert job["job_name"] == "postwell"
    return job


def test_prometheus_is_optional_and_reads_the_scrape_config(compose):
    prometheus = compose["services"]["prometheus"]
    assert prometheus["profiles"] == ["metrics"]
    # Only Prometheus is in a profile: `docker compose up` starts the rest as before.
    profiled = [name for name, service in compose["services"].items() if "profiles" in service]
    assert profiled == ["prometheus"]
    config_flag = next(arg for arg in prometheus["command"] if arg.startswith("--config.file="))
    mounted = {
        target: source
        for source, target, *_ in (volume.split(":") for volume in prometheus["volumes"])
    }
    assert mounted[config_flag.split("=", 1)[1]] == "./deploy/prometheus.yml"
    assert prometheus["depends_on"]["app"]["condition"] == "service_healthy"


def test_scrape_config_agrees_with_the_app_service(compose, scrape_config):
    app = compose["services"]["app"]
    prometheus = compose["services"]["prometheus"]
    job = postwell_job(scrape_config)

    assert job.get("scheme", "http") == "http"
    assert job["metrics_path"] == METRICS_PATH
    (target,) = job["static_configs"][0]["targets"]
    host, port = target.split(":")
    # The service by name, on the port it listens on inside the network.
    assert host in compose["services"] and host == "app"
    assert port == app["environment"]["PORT"]
    assert app["ports"][0].endswith(f":{port}")
    # Its Host header is one the app answers for by default.
    assert host in compose_default(app["environment"]["TRUSTED_HOSTS"], "TRUSTED_HOSTS").split(",")
    # The bearer token: the app's METRICS_TOKEN, mounted as the secret file Prometheus reads.
    assert app["environment"]["METRICS_TOKEN"] == "${METRICS_TOKEN:-}"
    authorization = job["authorization"]
    assert authorization.get("type", "Bearer") == "Bearer"
    assert "credentials" not in authorization
    (secret,) = prometheus["secrets"]
    assert compose["secrets"][secret] == {"environment": "METRICS_TOKEN"}
    assert authorization["credentials_file"] == f"/run/secrets/{secret}"


def test_the_app_answers_a_scrape_as_prometheus_sends_it(build_app, compose, scrape_config):
    """The request the scrape config makes, to an app configured as compose configures it:
    Host app:8000, the path, and `Authorization: Bearer <the secret file's content>`."""
    job = postwell_job(scrape_config)
    trusted = compose_default(
        compose["services"]["app"]["environment"]["TRUSTED_HOSTS"], "TRUSTED_HOSTS"
    )
    app = build_app(METRICS_TOKEN=SCRAPE_TOKEN, TRUSTED_HOSTS=trusted.split(","))
    client = app.test_client()
    target = job["static_configs"][0]["targets"][0]

    response = client.get(
        job["metrics_path"],
        base_url=f"{job.get('scheme', 'http')}://{target}",
        headers={"Authorization": f"{job['authorization'].get('type', 'Bearer')} {SCRAPE_TOKEN}"},
    )

    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert "postwell_http_requests_in_flight" in response.get_data(as_text=True)
    # Without the token, the same scrape finds nothing there.
    anonymous = client.get(job["metrics_path"], base_url=f"http://{target}")
    assert anonymous.status_code == 404
