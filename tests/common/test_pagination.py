"""project.common.pagination: cursors, the query schema, paginate(), the Link header."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta, timezone

import marshmallow as ma
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from project.common.pagination import (
    DEFAULT_LIMIT,
    MAX_CURSOR_LENGTH,
    MAX_LIMIT,
    Cursor,
    CursorField,
    Page,
    PaginationQuerySchema,
    next_link_header,
    page_schema,
    paginate,
)
from project.posts.models import Post

WHEN = datetime(2024, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)


def token_for(payload) -> str:
    """What a client could send: any JSON, encoded like a real cursor."""
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def payload_of(token: str):
    return json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))


# --- Cursor.encode / Cursor.decode -------------------------------------------


@pytest.mark.parametrize(
    "cursor",
    [
        Cursor(WHEN, 1),
        Cursor(WHEN.replace(microsecond=0), 42),
        Cursor(datetime(1970, 1, 1, tzinfo=UTC), 2**31 - 1),
        Cursor(datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), 7),
        Cursor(datetime(1, 1, 1, tzinfo=UTC), 7),
    ],
)
def test_roundtrip(cursor):
    token = cursor.encode()
    assert Cursor.decode(token) == cursor
    assert Cursor.decode(token).created_at.utcoffset() == timedelta(0)


def test_token_is_unpadded_urlsafe_base64_of_a_compact_json_pair():
    token = Cursor(WHEN, 12).encode()
    assert "=" not in token
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert payload_of(token) == [WHEN.isoformat(), 12]
    assert len(token) <= MAX_CURSOR_LENGTH


def test_decode_normalises_other_offsets_to_utc():
    local = WHEN.astimezone(timezone(timedelta(hours=-7, minutes=-30)))
    decoded = Cursor.decode(token_for([local.isoformat(), 3]))
    assert decoded == Cursor(WHEN, 3)
    assert decoded.created_at.tzinfo == UTC


def test_length_limit_is_inclusive():
    # JSON allows whitespace, so a valid pair can be stretched to any length.
    def stretched(raw_length: int) -> str:
        core = json.dumps([WHEN.isoformat(), 9])
        raw = core[:-1] + " " * (raw_length - len(core)) + "]"
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    longest = stretched(150)  # 150 bytes -> exactly 200 base64 characters
    assert len(longest) == MAX_CURSOR_LENGTH
    assert Cursor.decode(longest) == Cursor(WHEN, 9)
    too_long = stretched(151)
    assert len(too_long) > MAX_CURSOR_LENGTH
    with pytest.raises(ValueError, match="length"):
        Cursor.decode(too_long)


VALID_TIME = WHEN.isoformat()
REJECTED = {
    "empty": "",
    "overlong": "A" * (MAX_CURSOR_LENGTH + 1),
    "not base64": "***",
    "bad padding": "A",
    "non-ascii": "ü",
    "not json": base64.urlsafe_b64encode(b"hello world").decode(),
    "not utf-8": base64.urlsafe_b64encode(b"\xff\xfe\xfd").decode(),
    "json object": token_for({"a": VALID_TIME, "b": 1}),
    "json string of two chars": token_for("ab"),
    "json null": token_for(None),
    "json number": token_for(5),
    "one element": token_for([VALID_TIME]),
    "three elements": token_for([VALID_TIME, 1, 2]),
    "time not a string": token_for([1709528767, 1]),
    "time null": token_for([None, 1]),
    "time not iso": token_for(["yesterday", 1]),
    "time not a date": token_for(["not-a-date", 1]),
    "time naive": token_for(["2024-03-04T05:06:07", 1]),
    "date only": token_for(["2024-03-04", 1]),
    "id zero": token_for([VALID_TIME, 0]),
    "id negative": token_for([VALID_TIME, -1]),
    "id beyond int32": token_for([VALID_TIME, 2**31]),
    "id string": token_for([VALID_TIME, "1"]),
    "id float": token_for([VALID_TIME, 1.0]),
    "id true": token_for([VALID_TIME, True]),
    "id false": token_for([VALID_TIME, False]),
    "id null": token_for([VALID_TIME, None]),
    "id list": token_for([VALID_TIME, [1]]),
    "before year 1 in utc": token_for(["0001-01-01T00:00:00+14:00", 1]),
    "after year 9999 in utc": token_for(["9999-12-31T23:59:59-14:00", 1]),
}


@pytest.mark.parametrize("token", list(REJECTED.values()), ids=list(REJECTED))
def test_decode_rejects_malformed_tokens_with_value_error(token):
    with pytest.raises(ValueError):
        Cursor.decode(token)


@settings(max_examples=300, database=None, deadline=None)
@given(st.text(max_size=MAX_CURSOR_LENGTH + 10))
def test_decode_of_any_text_raises_only_value_error(token):
    try:
        cursor = Cursor.decode(token)
    except ValueError:
        return
    assert isinstance(cursor, Cursor)


JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**40), max_value=2**40)
    | st.floats(allow_nan=False)
    | st.text(max_size=40)
    | st.datetimes(timezones=st.just(UTC)).map(datetime.isoformat)
)


@settings(max_examples=300, database=None, deadline=None)
@given(
    st.one_of(
        JSON_SCALARS,
        st.lists(JSON_SCALARS, max_size=3),
        st.tuples(st.text(max_size=40), JSON_SCALARS).map(list),
        st.dictionaries(st.text(max_size=5), JSON_SCALARS, max_size=2),
    )
)
def test_decode_of_any_json_raises_only_value_error(payload):
    try:
        cursor = Cursor.decode(token_for(payload))
    except ValueError:
        return
    assert isinstance(cursor, Cursor)
    assert 0 < cursor.id < 2**31
    assert cursor.created_at.utcoffset() == timedelta(0)


@settings(max_examples=200, database=None, deadline=None)
@given(st.binary(max_size=150))
def test_decode_of_any_bytes_raises_only_value_error(raw):
    try:
        cursor = Cursor.decode(base64.urlsafe_b64encode(raw).decode().rstrip("="))
    except ValueError:
        return
    assert isinstance(cursor, Cursor)


OFFSETS = st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)


@settings(max_examples=300, database=None, deadline=None)
@given(
    created_at=st.datetimes(
        min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31), timezones=OFFSETS
    ),
    row_id=st.integers(min_value=1, max_value=2**31 - 1),
)
def test_roundtrip_property(created_at, row_id):
    decoded = Cursor.decode(Cursor(created_at, row_id).encode())
    assert decoded.id == row_id
    assert decoded.created_at == created_at  # the same instant
    assert decoded.created_at.utcoffset() == timedelta(0)


# --- CursorField / PaginationQuerySchema ------------------------------------


def test_query_schema_defaults():
    assert PaginationQuerySchema().load({}) == {"limit": DEFAULT_LIMIT, "cursor": None}
    assert (DEFAULT_LIMIT, MAX_LIMIT) == (20, 100)


@pytest.mark.parametrize("limit", ["1", "100", 1, 100])
def test_query_schema_accepts_limits_in_range(limit):
    assert PaginationQuerySchema().load({"limit": limit})["limit"] == int(limit)


@pytest.mark.parametrize("limit", ["0", "101", "-5", "abc", "", "2.5", None, True])
def test_query_schema_rejects_limits_out_of_range(limit):
    with pytest.raises(ma.ValidationError) as info:
        PaginationQuerySchema().load({"limit": limit})
    assert set(info.value.messages) == {"limit"}


def test_query_schema_loads_a_cursor():
    token = Cursor(WHEN, 8).encode()
    assert PaginationQuerySchema().load({"cursor": token})["cursor"] == Cursor(WHEN, 8)


@pytest.mark.parametrize("token", ["junk", "", token_for(["not-a-date", 1]), 123])
def test_cursor_field_reports_invalid_cursors(token):
    with pytest.raises(ma.ValidationError) as info:
        PaginationQuerySchema().load({"cursor": token})
    assert set(info.value.messages) == {"cursor"}


def test_cursor_field_message():
    with pytest.raises(ma.ValidationError) as info:
        CursorField().deserialize("junk")
    assert info.value.messages == ["Not a valid cursor."]


# --- page_schema --------------------------------------------------------------


class ThingSchema(ma.Schema):
    name = ma.fields.String()


def test_page_schema_dumps_the_envelope():
    schema = page_schema(ThingSchema, "ThingPage")()
    page = Page([{"name": "a"}, {"name": "b"}], "abc")
    assert schema.dump(page) == {"items": [{"name": "a"}, {"name": "b"}], "next_cursor": "abc"}
    assert schema.dump(Page([], None)) == {"items": [], "next_cursor": None}


# --- next_link_header -----------------------------------------------------------


def test_no_link_on_the_last_page(app):
    with app.test_request_context("/api/v1/things?limit=2"):
        assert next_link_header(Page([], None)) == {}


def test_link_keeps_every_parameter_and_replaces_the_cursor(app):
    with app.test_request_context("/api/v1/things?limit=2&tag=a&tag=b&cursor=old&q=x+y%26z"):
        header = next_link_header(Page([1, 2], "NEW-_token"))
    assert header == {
        "Link": (
            "<http://localhost/api/v1/things?limit=2&tag=a&tag=b&cursor=NEW-_token&q=x+y%26z>;"
            ' rel="next"'
        )
    }


def test_link_on_a_bare_url(app):
    with app.test_request_context("/api/v1/things"):
        header = next_link_header(Page([1], "tok"))
    assert header == {"Link": '<http://localhost/api/v1/things?cursor=tok>; rel="next"'}


# --- paginate() on a real table ------------------------------------------------


@pytest.fixture
def timeline(session, user_factory):
    """Ten posts: pairs share a timestamp, one second apart."""
    author = user_factory()
    posts = [
        Post(
            author_id=author.id,
            title=f"p{number}",
            body="b",
            status="published",
            created_at=WHEN + timedelta(seconds=number // 2),
            updated_at=WHEN,
        )
        for number in range(10)
    ]
    session.add_all(posts)
    session.commit()
    return sorted(posts, key=lambda post: (post.created_at, post.id), reverse=True)


def run(session, *, cursor=None, limit=3):
    return paginate(
        session, select(Post), created_at=Post.created_at, id_=Post.id, cursor=cursor, limit=limit
    )


def test_paginate_first_page(session, timeline):
    page = run(session)
    assert [post.id for post in page.items] == [post.id for post in timeline[:3]]
    last = timeline[2]
    assert Cursor.decode(page.next_cursor) == Cursor(last.created_at, last.id)


def test_paginate_follows_cursors_to_the_end(session, timeline):
    seen, cursor = [], None
    while True:
        page = run(session, cursor=cursor and Cursor.decode(cursor))
        seen += [post.id for post in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == [post.id for post in timeline]


def test_paginate_exact_fit_has_no_next_cursor(session, timeline):
    page = run(session, limit=10)
    assert len(page.items) == 10
    assert page.next_cursor is None
    page = run(session, limit=9)
    assert page.next_cursor is not None


def test_paginate_cursor_is_exclusive_and_breaks_ties_by_id(session, timeline):
    # A cursor at the first of a pair of equal timestamps yields the second next.
    first_of_pair = timeline[0]
    assert timeline[1].created_at == first_of_pair.created_at
    page = run(session, cursor=Cursor(first_of_pair.created_at, first_of_pair.id), limit=1)
    assert [post.id for post in page.items] == [timeline[1].id]


def test_paginate_cursor_needs_no_existing_row(session, timeline):
    # Between two timestamps (timeline[3] and [4] are a second apart), with an id no row has.
    assert timeline[4].created_at < timeline[3].created_at
    gap = Cursor(timeline[4].created_at + timedelta(milliseconds=1), 2**31 - 1)
    assert [post.id for post in run(session, cursor=gap, limit=10).items] == [
        post.id for post in timeline[4:]
    ]


def test_paginate_empty(session):
    page = run(session)
    assert (list(page.items), page.next_cursor) == ([], None)
