"""The framework ceiling: a bare Flask app serving a fixed list, no database, no extensions.

Served by gunicorn with the same `gunicorn.conf.py` and workers as Postwell in
the same run, it shows what Flask and gunicorn alone cost on this machine;
every Postwell scenario's throughput is reported as a fraction of it.
`gunicorn bench.bare_app:app`.
"""

from flask import Flask, jsonify

from project.common.pagination import DEFAULT_LIMIT

# One feed page's worth of post-like items, built once: each request only
# serialises them, as a cached page would.
ITEMS = [
    {
        "id": number,
        "author_id": number % 7 + 1,
        "title": f"Fixed item {number}",
        "body": "A fixed body of about the length of a short post. " * 4,
        "created_at": "2026-01-01T00:00:00+00:00",
    }
    for number in range(1, DEFAULT_LIMIT + 1)
]

app = Flask(__name__)


@app.get("/")
def items():
    return jsonify(ITEMS)
