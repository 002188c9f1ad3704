"""gunicorn processes: the app's environment, start on a free port, wait for ready, stop.

Every server runs `gunicorn.conf.py`, the production settings, so Postwell and
the bare Flask ceiling (`bench.bare_app`) are served the same way.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench import HOST, REPO, BenchError, log
from bench.client import call
from bench.database import REDIS_URL

POSTWELL_APP = "wsgi:app"
BARE_APP = "bench.bare_app:app"


def app_environment(database_url: str) -> dict[str, str]:
    """The production settings of the app under test, with fresh random secrets.

    Built once per run: every Postwell server of the run and the in-process
    SQL counter share it (see `with_cache`), so a token issued by one is
    accepted by the others, and all of them use one database and one Redis.
    """
    return {
        "APP_ENV": "production",
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": secrets.token_hex(32),
        "JWT_SECRET_KEY": secrets.token_hex(32),
        "RATE_LIMITS_ENABLED": "false",
    }


def with_cache(app_env: dict[str, str], enabled: bool, **extra: str) -> dict[str, str]:
    """`app_env` with the response cache on or off (`CACHE_ENABLED`), plus `extra`."""
    return {**app_env, "CACHE_ENABLED": "true" if enabled else "false", **extra}


@dataclass(frozen=True)
class ServerSpec:
    """What to serve (a WSGI `module:app`), how to tell it is up, where its log goes."""

    name: str
    app: str
    ready_path: str
    log_path: Path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def gunicorn_env(app_env: dict[str, str], port: int, workers: int) -> dict[str, str]:
    env = dict(os.environ)
    # gunicorn.conf.py binds no control socket unless CONTROL_SOCKET is set;
    # one inherited here would be shared with (and unlinked by) other instances.
    # Likewise a metrics directory: only a server given one in `app_env` has it.
    env.pop("CONTROL_SOCKET", None)
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update(app_env)
    env.update(
        HOST=HOST,
        PORT=str(port),
        WEB_CONCURRENCY=str(workers),
        # No worker recycling mid-scenario (a restart shows up as a latency spike).
        GUNICORN_MAX_REQUESTS="0",
        GUNICORN_GRACEFUL_TIMEOUT="5",
    )
    return env


@contextlib.contextmanager
def gunicorn(spec: ServerSpec, app_env: dict[str, str], workers: int) -> Iterator[int]:
    """Serve `spec.app` with gunicorn.conf.py on a free local port; always stop it."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"]
    command += ["--no-control-socket", spec.app]
    spec.log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(spec.log_path, "wb") as log_file:
        proc = subprocess.Popen(
            command,
            cwd=REPO,
            env=gunicorn_env(app_env, port, workers),
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the master and its workers
        )
        try:
            wait_ready(proc, port, spec)
            log(f"server: {spec.name}: gunicorn pid {proc.pid}, {workers} workers, port {port}")
            yield port
        finally:
            stop_process_group(proc)
            log(f"server: {spec.name} stopped (log: {spec.log_path.relative_to(REPO)})")


def wait_ready(proc: subprocess.Popen, port: int, spec: ServerSpec, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"gunicorn exited ({proc.returncode}):\n{log_tail(spec.log_path)}")
        try:
            status, body = call(port, "GET", spec.ready_path, timeout=2)
            if status == 200:
                return
            last = f"{status} {body[:300].decode(errors='replace')}"
        except OSError as exc:
            last = repr(exc)
        time.sleep(0.2)
    raise BenchError(
        f"{spec.ready_path} not ready in {timeout:.0f} s ({last}):\n{log_tail(spec.log_path)}"
    )


def stop_process_group(proc: subprocess.Popen) -> None:
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        if proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(wait)


def log_tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
