"""Response bodies are the bytes Flask's own JSON provider writes, whichever encoder wrote them.

`project.common.blueprint.JSONProvider` encodes with orjson; a response
cache compares cached and fresh bodies byte for byte, and clients may hash
them, so for the same data the body must be exactly `DefaultJSONProvider`'s:
sorted keys, compact separators, non-ASCII escaped, the trailing newline.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import uuid

import pytest
from flask import Flask
from flask.json.provider import DefaultJSONProvider

from project import create_app
from project.common.blueprint import JSONProvider


@dataclasses.dataclass
class Point:
    x: int
    label: str


SMALL_FLOATS = [1e-05, 2.5e-05, 1e-07, -3.3e-10, 5e-324]
BODIES = {
    "post-page": {
        "items": [
            {
                "id": 7,
                "title": "Keyset pagination",
                "summary": "",
                "body": 'Line one\nline "two"\ttabbed \\ back/slash',
                "status": "published",
                "tags": ["databases", "sql"],
                "author": {"id": 1, "username": "alice"},
                "comment_count": 0,
                "like_count": 12,
                "liked": False,
                "created_at": "2026-12-01T10:00:00.123456+00:00",
                "updated_at": "2026-12-01T10:00:00+00:00",
            }
        ],
        "next_cursor": None,
    },
    "unicode": {
        "zh": "你好，世界",
        "accents": "café naïve Ærø ß İ",
        "emoji": "ok 😀 👍🏽 \U0010ffff",
        "separators": "\u2028\u2029\u00a0\ufeff",
        "controls": "".join(chr(code) for code in range(32)) + "\x7f",
        "é-key": "non-ASCII keys sort by code point",
        "Z": 1,
        "a": 2,
    },
    "scalars": {
        "ints": [0, -1, 2**31, 2**63 - 1, -(2**63)],
        "big": 2**64,  # beyond 64 bits: orjson refuses it
        "floats": [0.1, 1.5, -0.0, 100.0, 1e16, 1.2345678901234568e17, 1e22, 0.0001, 12345.6789],
        "small-floats": SMALL_FLOATS,
        "none": None,
        "bools": [True, False],
        "empty": [{}, [], ""],
    },
    "nested": {"a": {"b": {"c": [{"d": [1, {"e": None}]}]}}, "deep": [[[[[[["x"]]]]]]]},
    "text-like-small-float": {"body": "version 0.00001 and e-5 are text here"},
    "flask-defaults": {
        "date": dt.date(2026, 12, 1),
        "datetime": dt.datetime(2026, 12, 1, 10, 30, tzinfo=dt.UTC),
        "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "decimal": decimal.Decimal("1.10"),
        "dataclass": Point(1, "ü"),
    },
    "top-level-list": [3, "b", {"z": 1, "a": [2]}],
    "top-level-string": "naïve",
}


@pytest.fixture(scope="module")
def apps() -> tuple[Flask, Flask]:
    """The production app (debug off: compact bodies) and the same with Flask's provider."""
    config = {"APP_ENV": "production", "SECRET_KEY": "x" * 64, "JWT_SECRET_KEY": "y" * 64}
    ours = create_app({**config, "DATABASE_URL": "sqlite://"})
    stock = Flask(__name__)
    stock.json = DefaultJSONProvider(stock)
    return ours, stock


@pytest.mark.parametrize("name", BODIES)
def test_response_bodies_are_byte_for_byte_flasks(apps, name):
    ours, stock = apps
    assert isinstance(ours.json, JSONProvider)
    data = BODIES[name]
    with ours.app_context():
        body = ours.json.response(data).get_data()
    with stock.app_context():
        expected = stock.json.response(data).get_data()
    assert body == expected
    assert body.endswith(b"}\n") or body.endswith(b"]\n") or body.endswith(b'"\n')


@pytest.mark.parametrize("name", BODIES)
def test_compact_dumps_are_byte_for_byte_flasks(apps, name):
    ours, stock = apps
    compact = {"separators": (",", ":")}
    assert ours.json.dumps(BODIES[name], **compact) == stock.json.dumps(BODIES[name], **compact)


def test_other_dump_options_are_flasks(apps):
    ours, stock = apps
    data = BODIES["unicode"]
    assert ours.json.dumps(data) == stock.json.dumps(data)
    assert ours.json.dumps(data, indent=2) == stock.json.dumps(data, indent=2)


def test_what_json_cannot_encode_fails_as_with_flask(apps):
    ours, _ = apps
    with ours.app_context(), pytest.raises(TypeError, match="not JSON serializable"):
        ours.json.response({"set": {1, 2}})
    with ours.app_context(), pytest.raises(TypeError):
        ours.json.response({1: "a", "b": 2})  # mixed keys: sort_keys cannot order them


def test_an_api_page_is_what_flasks_provider_writes(client, apps):
    """A real page of the API, re-encoded by Flask's provider: the same bytes."""
    _, stock = apps
    response = client.get("/api/v1/posts?limit=5")
    assert response.status_code == 200
    with stock.app_context():
        expected = stock.json.response(response.get_json()).get_data()
    assert response.get_data() == expected


@pytest.mark.parametrize(
    ("name", "by_orjson"),
    [
        ("post-page", True),
        ("unicode", True),
        ("nested", True),
        ("flask-defaults", True),
        ("top-level-list", True),
        ("scalars", False),  # 2**64 and floats under 1e-4
        ("text-like-small-float", False),
    ],
)
def test_bodies_orjson_writes_like_json_are_written_by_it(apps, name, by_orjson):
    """The equality above is not a fallback in disguise: these bodies take the orjson path."""
    ours, _ = apps
    with ours.app_context():
        assert (ours.json._fast_dumps(BODIES[name]) is not None) is by_orjson
