"""Request ids, timing headers, the access log and logging setup.

Every response carries `X-Request-ID` (the client's when it is sane, else a
fresh one) and `X-Process-Time`; every request produces one access-log line.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid

from flask import Flask, g, request
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
# fullmatch, not match: "$" also matches before a trailing newline.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")

access_log = logging.getLogger("postwell.access")


class RequestIdFilter(logging.Filter):
    """Stamp every log record made during a request with its request id."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            record.request_id = g.get("request_id", "-")
        except RuntimeError:  # outside a request
            record.request_id = "-"
        return True


def configure_logging(app: Flask) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if app.config["LOG_JSON"]:
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                rename_fields={"asctime": "time", "levelname": "level"},
            )
        )
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        )
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("postwell")
    logger.handlers[:] = [handler]
    logger.setLevel(app.config["LOG_LEVEL"])
    logger.propagate = False
    app.logger.handlers[:] = [handler]
    app.logger.setLevel(app.config["LOG_LEVEL"])


def start_request() -> None:
    g.started = time.perf_counter()
    # Set by the token user loader (project.common.auth); never a previous request's.
    g.user_id = None
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex


def finish_request(response):
    elapsed = time.perf_counter() - g.get("started", time.perf_counter())
    response.headers[REQUEST_ID_HEADER] = g.get("request_id", "-")
    response.headers["X-Process-Time"] = f"{elapsed:.6f}"
    if not access_log.isEnabledFor(logging.INFO):
        return response  # LOG_LEVEL above INFO: build no record
    access_log.info(
        "%s %s %s %.1fms user=%s",
        request.method,
        request.full_path.rstrip("?"),
        response.status_code,
        elapsed * 1000,
        g.get("user_id") or "-",
        extra={
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round(elapsed * 1000, 3),
            "user_id": g.get("user_id"),
            "remote_addr": request.remote_addr,
        },
    )
    return response


def init_app(app: Flask) -> None:
    configure_logging(app)
    app.before_request(start_request)
    app.after_request(finish_request)
