"""Postwell's response `Schema` dumps exactly what marshmallow itself would."""

from __future__ import annotations

import datetime as dt
import enum
from types import SimpleNamespace

import marshmallow as ma
import pytest
from werkzeug.local import LocalProxy

from project.common.schema import Schema
from project.common.viewer import Viewed, viewer_field
from project.users.schemas import UserSchema


@pytest.fixture
def marshmallow_only(monkeypatch):
    """Dump every field through marshmallow's own `Field.serialize`."""

    def off() -> None:
        monkeypatch.setattr(Schema, "DIRECT_DUMP", False)

    return off


def test_every_cached_route_answers_the_same_bytes(
    client, urls, alice, bob, auth, marshmallow_only, uncached
):
    viewers = {"anonymous": None, "alice": auth(alice), "bob": auth(bob)}
    direct = {
        (url, who): client.get(url, headers=h).data for url in urls for who, h in viewers.items()
    }
    marshmallow_only()
    for (url, who), body in direct.items():
        assert client.get(url, headers=viewers[who]).data == body, (url, who)


class Colour(enum.Enum):
    RED = "red"


class Label(str):
    pass


class Part(Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()


class Hooked(Part):
    @ma.post_dump
    def shout(self, data, **kwargs):
        return {**data, "name": str(data.get("name")).upper()}


class Sample(Schema):
    text = ma.fields.String()
    number = ma.fields.Integer()
    as_text = ma.fields.Integer(as_string=True)
    flag = ma.fields.Boolean()
    when = ma.fields.AwareDateTime()
    stamp = ma.fields.DateTime(format="timestamp")
    renamed = ma.fields.String(data_key="shown_as", attribute="source")
    fallback = ma.fields.String(dump_default="none given")
    email = ma.fields.Email()
    words = ma.fields.List(ma.fields.String())
    seen = viewer_field(ma.fields.Boolean)
    part = ma.fields.Nested(Part)
    hooked = ma.fields.Nested(Hooked)
    parts = ma.fields.Nested(Part, many=True)
    tags = viewer_field(ma.fields.List, cls_or_instance=ma.fields.String())
    note = viewer_field(ma.fields.String)
    default_note = viewer_field(ma.fields.String, dump_default="none")


VALUES = [
    dict(text="plain", number=3, as_text=4, flag=True, when=dt.datetime(2026, 1, 2, tzinfo=dt.UTC)),
    dict(text=None, number=None, flag=None, when=None, stamp=None),
    dict(text=Colour.RED, number=True, flag=1, when=dt.datetime(2026, 1, 2)),
    dict(text=Label("sub"), number=2.9, flag="yes", stamp=dt.datetime(2026, 1, 2, tzinfo=dt.UTC)),
    dict(source="renamed", fallback="given", email="a@example.com", words=["a", Label("b")]),
    dict(),
    dict(
        part=SimpleNamespace(id=1, name="one"),
        hooked=SimpleNamespace(id=2, name="two"),
        parts=[SimpleNamespace(id=3, name=None)],
    ),
    dict(part=None, hooked=None, parts=None),
    dict(part=SimpleNamespace(id="4", name=Label("x"))),
    dict(when=dt.datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=dt.timezone(dt.timedelta(hours=5.5)))),
    dict(when=dt.datetime(1, 1, 1, tzinfo=dt.UTC)),
]
EXTRAS = [
    {"seen": True, "tags": ["a", "b"], "note": "n"},
    {"seen": None, "tags": None, "note": None, "default_note": None},
    {"seen": 1, "tags": ["a", Label("b"), 3], "note": Colour.RED, "default_note": "given"},
    {},
]


@pytest.mark.parametrize("values", VALUES)
@pytest.mark.parametrize("extras", [None, *EXTRAS], ids=["object", *map(str, range(len(EXTRAS)))])
def test_direct_dump_is_marshmallows_for_any_value(values, extras, monkeypatch):
    item = SimpleNamespace(**values)
    subject = item if extras is None else Viewed(item, extras)
    direct = Sample().dump(subject)
    monkeypatch.setattr(Schema, "DIRECT_DUMP", False)
    assert Sample().dump(subject) == direct
    assert [type(value) for value in Sample().dump(subject).values()] == [
        type(value) for value in direct.values()
    ]
    assert list(Sample().dump(subject)) == list(direct)  # the same keys, in order


def test_a_mapping_is_dumped_by_marshmallow(monkeypatch):
    values = {"text": "t", "number": 1}
    assert Sample().dump(values) == Sample().dump(SimpleNamespace(**values))


def test_a_proxied_object_is_dumped_as_its_target(monkeypatch):
    item = SimpleNamespace(**VALUES[0])
    proxied = LocalProxy(lambda: item)
    expected = Sample().dump(item)
    assert Sample().dump(proxied) == expected
    assert Sample().dump(Viewed(proxied, {"seen": False})) == {**expected, "seen": False}
    monkeypatch.setattr(Schema, "DIRECT_DUMP", False)
    assert Sample().dump(proxied) == expected


def test_a_mapped_object_is_read_from_its_loaded_state_or_loaded(session, alice, monkeypatch):
    """Loaded attributes come from the instance's state, an expired one is loaded
    as marshmallow's read would load it."""
    session.expire(alice, ["username", "created_at"])
    direct = UserSchema().dump(alice)
    assert direct["username"] == alice.username
    session.expire(alice, ["username", "created_at"])
    monkeypatch.setattr(Schema, "DIRECT_DUMP", False)
    assert UserSchema().dump(alice) == direct
