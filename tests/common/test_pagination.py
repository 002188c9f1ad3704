"""project.common.pagination: cursors, keysets, the query schema, paginate(), the Link header."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace

import marshmallow as ma
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from project.common.pagination import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    Keyset,
    Page,
    PageRequest,
    PaginationQuerySchema,
    next_link_header,
    page_schema,
    paginate,
)
from project.common.pagination.cursor import MAX_CURSOR_LENGTH
from project.posts.models import POSTS_NEWEST_FIRST, Post
from project.users.models import User

WHEN = datetime(2024, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)
NEWEST = POSTS_NEWEST_FIRST


def token_for(payload) -> str:
    """What a client could send: any JSON, encoded like a real cursor."""
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def payload_of(token: str):
    return json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))


def cursor_at(created_at: datetime, row_id: int) -> str:
    """The cursor `NEWEST` issues after a row with these keys."""
    return NEWEST.cursor_after(SimpleNamespace(created_at=created_at, id=row_id))


class PostPages(PaginationQuerySchema):
    keyset = NEWEST


# --- Keyset.cursor_after / Keyset.parse ----------------------------------------


@pytest.mark.parametrize(
    "keys",
    [
        (WHEN, 1),
        (WHEN.replace(microsecond=0), 42),
        (datetime(1970, 1, 1, tzinfo=UTC), 2**31 - 1),
        (datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), 7),
        (datetime(1, 1, 1, tzinfo=UTC), 7),
    ],
)
def test_roundtrip(keys):
    token = cursor_at(*keys)
    assert NEWEST.parse(token) == keys
    assert NEWEST.parse(token)[0].utcoffset() == timedelta(0)


def test_token_is_unpadded_urlsafe_base64_of_a_compact_json_pair():
    token = cursor_at(WHEN, 12)
    assert "=" not in token
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert payload_of(token) == [WHEN.isoformat(), 12]
    assert len(token) <= MAX_CURSOR_LENGTH


def test_decode_normalises_other_offsets_to_utc():
    local = WHEN.astimezone(timezone(timedelta(hours=-7, minutes=-30)))
    decoded = NEWEST.parse(token_for([local.isoformat(), 3]))
    assert decoded == (WHEN, 3)
    assert decoded[0].tzinfo == UTC


def test_length_limit_is_inclusive():
    # JSON allows whitespace, so a valid pair can be stretched to any length.
    def stretched(raw_length: int) -> str:
        core = json.dumps([WHEN.isoformat(), 9])
        raw = core[:-1] + " " * (raw_length - len(core)) + "]"
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    longest = stretched(150)  # 150 bytes -> exactly 200 base64 characters
    assert len(longest) == MAX_CURSOR_LENGTH
    assert NEWEST.parse(longest) == (WHEN, 9)
    too_long = stretched(151)
    assert len(too_long) > MAX_CURSOR_LENGTH
    with pytest.raises(ValueError, match="length"):
        NEWEST.parse(too_long)


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
def test_parse_rejects_malformed_tokens_with_value_error(token):
    with pytest.raises(ValueError):
        NEWEST.parse(token)


@settings(max_examples=300, database=None, deadline=None)
@given(st.text(max_size=MAX_CURSOR_LENGTH + 10))
def test_parse_of_any_text_raises_only_value_error(token):
    try:
        keys = NEWEST.parse(token)
    except ValueError:
        return
    assert isinstance(keys, tuple) and len(keys) == 2


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
def test_parse_of_any_json_raises_only_value_error(payload):
    try:
        created_at, row_id = NEWEST.parse(token_for(payload))
    except ValueError:
        return
    assert 0 < row_id < 2**31
    assert created_at.utcoffset() == timedelta(0)


@settings(max_examples=200, database=None, deadline=None)
@given(st.binary(max_size=150))
def test_parse_of_any_bytes_raises_only_value_error(raw):
    try:
        keys = NEWEST.parse(base64.urlsafe_b64encode(raw).decode().rstrip("="))
    except ValueError:
        return
    assert isinstance(keys, tuple) and len(keys) == 2


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
    decoded_at, decoded_id = NEWEST.parse(cursor_at(created_at, row_id))
    assert decoded_id == row_id
    assert decoded_at == created_at  # the same instant
    assert decoded_at.utcoffset() == timedelta(0)


def test_other_keysets_parse_their_own_types():
    prolific = Keyset(User.post_count, User.id)
    token = prolific.cursor_after(SimpleNamespace(post_count=0, id=5))
    assert prolific.parse(token) == (0, 5)
    for foreign in (cursor_at(WHEN, 5), token_for([-1, 5]), token_for([1.5, 5])):
        with pytest.raises(ValueError):
            prolific.parse(foreign)
    # A count may be 0; an id may not.
    with pytest.raises(ValueError):
        prolific.parse(token_for([3, 0]))


# --- PaginationQuerySchema ---------------------------------------------------------


def test_query_schema_defaults():
    assert PostPages().load({}) == {"page": PageRequest(NEWEST, None, DEFAULT_LIMIT)}
    assert (DEFAULT_LIMIT, MAX_LIMIT) == (20, 100)


@pytest.mark.parametrize("limit", ["1", "100", 1, 100])
def test_query_schema_accepts_limits_in_range(limit):
    assert PostPages().load({"limit": limit})["page"].limit == int(limit)


@pytest.mark.parametrize("limit", ["0", "101", "-5", "abc", "", "2.5", None, True])
def test_query_schema_rejects_limits_out_of_range(limit):
    with pytest.raises(ma.ValidationError) as info:
        PostPages().load({"limit": limit})
    assert set(info.value.messages) == {"limit"}


def test_query_schema_loads_a_cursor():
    page = PostPages().load({"cursor": cursor_at(WHEN, 8)})["page"]
    assert page == PageRequest(NEWEST, (WHEN, 8), DEFAULT_LIMIT)


@pytest.mark.parametrize("token", ["junk", "", token_for(["not-a-date", 1]), 123])
def test_query_schema_reports_invalid_cursors(token):
    with pytest.raises(ma.ValidationError) as info:
        PostPages().load({"cursor": token})
    assert set(info.value.messages) == {"cursor"}


def test_invalid_cursor_message():
    with pytest.raises(ma.ValidationError) as info:
        PostPages().load({"cursor": "junk"})
    assert info.value.messages == {"cursor": ["Not a valid cursor."]}


def test_keyset_can_follow_another_parameter():
    """`keyset_for` is the override point for collections with a `?sort=`."""
    by_count = Keyset(User.post_count, User.id)

    class SortedUsers(PaginationQuerySchema):
        keyset = NEWEST
        sort = ma.fields.String()

        def keyset_for(self, data):
            return by_count if data.get("sort") == "-post_count" else self.keyset

    token = by_count.cursor_after(SimpleNamespace(post_count=3, id=9))
    page = SortedUsers().load({"sort": "-post_count", "cursor": token})["page"]
    assert (page.keyset, page.after) == (by_count, (3, 9))
    with pytest.raises(ma.ValidationError):
        SortedUsers().load({"cursor": token})  # a count cursor for the time order


# --- page_schema --------------------------------------------------------------


class ThingSchema(ma.Schema):
    name = ma.fields.String()


def test_page_schema_dumps_the_envelope():
    envelope = page_schema(ThingSchema)
    assert envelope.__name__ == "ThingPage"
    assert page_schema(ThingSchema) is envelope  # one class per item schema
    schema = envelope()
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


def run(session, *, after=None, limit=3, keyset=NEWEST):
    return paginate(session, select(Post), PageRequest(keyset, after, limit))


def test_paginate_first_page(session, timeline):
    page = run(session)
    assert [post.id for post in page.items] == [post.id for post in timeline[:3]]
    last = timeline[2]
    assert NEWEST.parse(page.next_cursor) == (last.created_at, last.id)


def test_paginate_follows_cursors_to_the_end(session, timeline):
    seen, cursor = [], None
    while True:
        page = run(session, after=cursor and NEWEST.parse(cursor))
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
    page = run(session, after=(first_of_pair.created_at, first_of_pair.id), limit=1)
    assert [post.id for post in page.items] == [timeline[1].id]


def test_paginate_cursor_needs_no_existing_row(session, timeline):
    # Between two timestamps (timeline[3] and [4] are a second apart), with an id no row has.
    assert timeline[4].created_at < timeline[3].created_at
    gap = (timeline[4].created_at + timedelta(milliseconds=1), 2**31 - 1)
    assert [post.id for post in run(session, after=gap, limit=10).items] == [
        post.id for post in timeline[4:]
    ]


def test_paginate_empty(session):
    page = run(session)
    assert (list(page.items), page.next_cursor) == ([], None)


def test_paginate_ascending_walks_oldest_first(session, timeline):
    oldest_first = Keyset(Post.created_at, Post.id, ascending=True)
    seen, after = [], None
    while True:
        page = run(session, after=after, keyset=oldest_first)
        seen += [post.id for post in page.items]
        if page.next_cursor is None:
            break
        after = oldest_first.parse(page.next_cursor)
    assert seen == [post.id for post in reversed(timeline)]
