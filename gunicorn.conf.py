"""gunicorn settings, all from the environment (12-factor).

PORT / HOST            where to listen (default 0.0.0.0:8000)
WEB_CONCURRENCY        worker processes. Default: 2 x cores + 1 with REDIS_URL;
                       without it ONE, because rate-limit counters (and the
                       cache) then live in each process's memory, and N
                       workers would enforce N times the configured limits.
                       Set explicitly without Redis, it is obeyed, with a
                       warning at start, and the response cache is turned
                       off (CACHE_ENABLED=false): no worker could see another
                       one's writes.
GUNICORN_WORKER_CLASS  default gthread: a slow client holds one thread, not
                       a whole worker (sync would let two of them block two
                       workers)
GUNICORN_THREADS       threads per worker (default 4)
GUNICORN_TIMEOUT / GUNICORN_GRACEFUL_TIMEOUT / GUNICORN_MAX_REQUESTS
ACCESS_LOG             "-" for gunicorn's own access log on stdout; off by
                       default, since the app writes one access line per request
METRICS_TOKEN          also sets PROMETHEUS_MULTIPROC_DIR (a fresh temp dir,
                       emptied at start) so /metrics sums every worker

Request-head limits are above the app's (`project.errors`: URI 8000 bytes,
100 header fields, 8190 bytes per field), so the app answers those with
problem+json; only beyond these (request line 8190 bytes, 200 fields, 16380
bytes per field) does gunicorn answer itself (plain HTML 414, 431 or 400).
"""

import multiprocessing
import os

from dotenv import load_dotenv

# The app reads .env (wsgi.py); the worker count depends on REDIS_URL there too.
load_dotenv()

SHARED_STATE = bool((os.environ.get("REDIS_URL") or "").strip())
EXPLICIT_WORKERS = (os.environ.get("WEB_CONCURRENCY") or "").strip()

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"
if EXPLICIT_WORKERS:
    workers = int(EXPLICIT_WORKERS)
else:
    workers = multiprocessing.cpu_count() * 2 + 1 if SHARED_STATE else 1
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "10000"))
max_requests_jitter = 500
# Workers import the app after forking: each gets its own DB and Redis pools.
preload_app = False
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# gunicorn's maximum request line; fields and field size twice the app's limits.
limit_request_line = 8190
limit_request_fields = 200
limit_request_field_size = 16380

accesslog = os.environ.get("ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s "%(a)s"'

# gunicorn's control socket is one path per user, shared (and unlinked) by
# every instance: off unless CONTROL_SOCKET names a path for this instance.
control_socket_disable = not os.environ.get("CONTROL_SOCKET")
if os.environ.get("CONTROL_SOCKET"):
    control_socket = os.environ["CONTROL_SOCKET"]

# /metrics (METRICS_TOKEN set) with several workers: prometheus_client's
# multiprocess mode. Each worker writes its samples to files in one directory,
# emptied at start, and a dead worker's live gauges are dropped.
if os.environ.get("METRICS_TOKEN") and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    import tempfile

    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="postwell-metrics-")


# Several workers without Redis: each would keep its own response cache and
# never see the others' writes (a stale read), so the cache is off for them.
if workers > 1 and not SHARED_STATE:
    os.environ["CACHE_ENABLED"] = "false"


def on_starting(server):
    if server.cfg.workers > 1 and not SHARED_STATE:
        server.log.warning(
            "WEB_CONCURRENCY=%d without REDIS_URL: every worker keeps its own "
            "rate-limit counters, so rate limits are enforced up to %d times the "
            "configured values, and the response cache is off (a worker's cache "
            "would not see the other workers' writes); set REDIS_URL, or run one worker",
            server.cfg.workers,
            server.cfg.workers,
        )
    clear_metrics_directory()


def clear_metrics_directory() -> None:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        os.makedirs(directory, exist_ok=True)
        for name in os.listdir(directory):
            if name.endswith(".db"):
                os.remove(os.path.join(directory, name))


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
