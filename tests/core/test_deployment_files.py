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
    assert compose["services"]["app"]["environment"]["PORT"] == "${PORT:-8000}"


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
