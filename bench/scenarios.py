"""The scenarios: what each one requests, and the fixture (cursor, token, ids) they need.

Page sizes, the seeded password and the limits come from the app itself, so a
change there changes the benchmark with it.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from bench import BenchError, log
from bench.client import Request, call_json, exchange, is_2xx
from bench.database import DataSet
from project.common.pagination import DEFAULT_LIMIT, MAX_LIMIT
from project.users.seed import SEED_PASSWORD

BASELINE = "health/live"
# bench.bare_app: Flask and gunicorn alone, the most any endpoint could do.
CEILING = "bare-flask"
JSON_HEADERS = {"Accept": "application/json"}
# The servers of a run: the ceiling, and Postwell with the response cache off and on.
BARE, UNCACHED, CACHED = "bare-flask", "uncached", "cached"
# Scenarios on the cached server are named with this prefix.
CACHED_PREFIX = "cached/"
# The hot set a cached item scenario reads over and over: blogging traffic is
# mostly the same few posts and profiles, and a random one of 100,000 posts
# would measure cache misses.
HOT_SET = 20


@dataclass(frozen=True)
class Ports:
    bare: int
    uncached: int
    cached: int


@dataclass
class Scenario:
    name: str
    label: str
    port: int
    make: Callable[[int], Request]
    requests: int
    warmup: int
    server: str = UNCACHED
    # Which answers count as success (default 2xx; 304 for a conditional GET).
    expected: Callable[[int], bool] = is_2xx


@dataclass
class Fixture:
    """What the scenarios need, found through the API (and the ids from the database)."""

    deep_cursor: str
    deep_page: int
    token: str
    username: str
    post_ids: list[int]
    author_ids: list[int]
    # The social scenarios: a reader following ~200, posts with comments, a
    # popular tag, a common word, the median sign-up time.
    feed_token: str
    feed_reader: str
    feed_following: int
    commented_post_ids: list[int]
    popular_tag: str
    common_word: str
    median_signup: str
    # The cached scenarios: the hot sets, and the first page's ETag.
    hot_post_ids: list[int]
    hot_author_ids: list[int]
    first_page_etag: str


def posts_path(limit: int, cursor: str | None = None) -> str:
    query = {"limit": limit, **({"cursor": cursor} if cursor else {})}
    return f"/api/v1/posts?{urlencode(query)}"


def find_deep_cursor(port: int, pages: int) -> tuple[str, int]:
    """Follow `next_cursor` up to `pages` pages; the cursor of the deepest full page."""
    cursor: str | None = None
    depth = 0
    while depth < pages:
        page = call_json(port, "GET", posts_path(DEFAULT_LIMIT, cursor))
        if len(page["items"]) < DEFAULT_LIMIT or not page["next_cursor"]:
            break
        cursor = page["next_cursor"]
        depth += 1
    if cursor is None:
        raise BenchError("the feed has fewer than two pages; seed more posts")
    if depth < pages:
        log(f"  note: the feed ends after {depth} full pages (asked for {pages})")
    deep = call_json(port, "GET", posts_path(DEFAULT_LIMIT, cursor))
    if len(deep["items"]) != DEFAULT_LIMIT:
        raise BenchError(f"deep page holds {len(deep['items'])} posts, expected {DEFAULT_LIMIT}")
    return cursor, depth + 1


def log_in(port: int, username: str | None = None) -> tuple[str, str]:
    """Log in as `username`, or the first listed (seeded) user: (username, access token)."""
    if username is None:
        users = call_json(port, "GET", "/api/v1/users?limit=1")
        if not users["items"]:
            raise BenchError("no users to log in as; seed the database first")
        username = users["items"][0]["username"]
    started = time.perf_counter()
    credentials = {"login": username, "password": SEED_PASSWORD}
    tokens = call_json(port, "POST", "/api/v1/auth/login", credentials)
    log(f"  logged in as {username} in {(time.perf_counter() - started) * 1000:.0f} ms")
    return username, tokens["access_token"]


def hot_set(ids: list[int], seed: int) -> list[int]:
    """HOT_SET ids drawn repeatably from `ids`."""
    return random.Random(seed).sample(ids, min(HOT_SET, len(ids)))


def first_page_etag(port: int) -> str:
    """The ETag of the anonymous first page of posts, for If-None-Match."""
    status, headers, body = exchange(port, "GET", posts_path(DEFAULT_LIMIT), None, JSON_HEADERS)
    etag = headers.get("ETag")
    if status != 200 or not etag:
        raise BenchError(f"first page answered {status} with ETag {etag!r}: {body[:300]!r}")
    return etag


def build_fixture(ports: Ports, data: DataSet, deep_pages: int) -> Fixture:
    """What the scenarios need, read from the uncached server (the ETag from the cached one)."""
    port = ports.uncached
    if not data.published_post_ids or not data.authors_with_posts:
        raise BenchError("no published posts to read; seed the database first")
    started = time.perf_counter()
    cursor, page_number = find_deep_cursor(port, deep_pages)
    log(
        f"  deep cursor: page {page_number} (posts {(page_number - 1) * DEFAULT_LIMIT + 1}-"
        f"{page_number * DEFAULT_LIMIT}) found in {time.perf_counter() - started:.1f} s"
    )
    username, token = log_in(port)
    check = call_json(port, "GET", posts_path(MAX_LIMIT))
    if len(check["items"]) != MAX_LIMIT:
        raise BenchError(f"limit={MAX_LIMIT} returned {len(check['items'])} posts")
    missing = [
        what
        for what, value in (
            ("a user who follows others", data.feed_following),
            ("a post with comments", data.commented_post_ids),
            ("a tag", data.popular_tag),
            ("a word in titles", data.common_word),
        )
        if not value
    ]
    if missing:
        raise BenchError(f"the seeded data has no {', '.join(missing)}; seed more")
    _, feed_token = log_in(port, data.feed_reader)
    log(f"  feed reader {data.feed_reader} follows {data.feed_following}")
    log(f"  tag {data.popular_tag!r}, search word {data.common_word!r}")
    return Fixture(
        deep_cursor=cursor,
        deep_page=page_number,
        token=token,
        username=username,
        post_ids=data.published_post_ids,
        author_ids=data.authors_with_posts,
        feed_token=feed_token,
        feed_reader=data.feed_reader,
        feed_following=data.feed_following,
        commented_post_ids=data.commented_post_ids,
        popular_tag=data.popular_tag,
        common_word=data.common_word,
        median_signup=data.median_signup,
        hot_post_ids=hot_set(data.published_post_ids, 1),
        hot_author_ids=hot_set(data.authors_with_posts, 2),
        first_page_etag=first_page_etag(ports.cached),
    )


def get(path: str, headers: dict[str, str] = JSON_HEADERS) -> Callable[[int], Request]:
    """The same GET for every index."""
    return lambda _index: ("GET", path, None, headers)


def pick(
    ids: list[int], path: str, method: str = "GET", headers: dict[str, str] = JSON_HEADERS
) -> Callable[[int], Request]:
    """A request of `path` formatted with an id drawn at random, repeatably, per index."""
    return lambda index: (
        method,
        path.format(id=ids[random.Random(index).randrange(len(ids))]),
        None,
        headers,
    )


def cycle(
    ids: list[int], path: str, headers: dict[str, str] = JSON_HEADERS
) -> Callable[[int], Request]:
    """A GET of `path` with the ids in turn: the warm-up (HOT_SET or more) reads each once."""
    return lambda index: ("GET", path.format(id=ids[index % len(ids)]), None, headers)


def write_post(token: str, server: str = UNCACHED) -> Callable[[int], Request]:
    """POST a new published post; its title names the server and the request."""
    headers = {**JSON_HEADERS, "Authorization": f"Bearer {token}"}
    headers["Content-Type"] = "application/json"

    def make(index: int) -> Request:
        body = {
            "title": f"Benchmark post {server} {index}",
            "body": f"Written by the benchmark, request {index}. " * 12,
        }
        return "POST", "/api/v1/posts", json.dumps(body).encode(), headers

    return make


def read_scenarios(port: int, fixture: Fixture, requests: int, warmup: int) -> list[Scenario]:
    """Every read scenario of the app, `requests` measured requests each."""
    auth = {**JSON_HEADERS, "Authorization": f"Bearer {fixture.token}"}
    first, limit100 = posts_path(DEFAULT_LIMIT), posts_path(MAX_LIMIT)
    deep = posts_path(DEFAULT_LIMIT, fixture.deep_cursor)
    user_posts = f"/api/v1/users/{{id}}/posts?limit={DEFAULT_LIMIT}"

    def scenario(name: str, label: str, make: Callable[[int], Request]) -> Scenario:
        return Scenario(name, label, port, make, requests, warmup)

    return [
        scenario(BASELINE, "GET /health/live", get("/health/live")),
        scenario("posts/first", f"GET {first}", get(first)),
        scenario("posts/deep", f"GET {first}&cursor=<page {fixture.deep_page}>", get(deep)),
        scenario("posts/limit100", f"GET {limit100}", get(limit100)),
        scenario(
            "posts/by-id",
            "GET /api/v1/posts/{random id}",
            pick(fixture.post_ids, "/api/v1/posts/{id}"),
        ),
        scenario(
            "users/by-id",
            "GET /api/v1/users/{random author id}",
            pick(fixture.author_ids, "/api/v1/users/{id}"),
        ),
        scenario(
            "users/posts",
            "GET /api/v1/users/{random id}/posts",
            pick(fixture.author_ids, user_posts),
        ),
        scenario("users/me", "GET /api/v1/users/me (bearer)", get("/api/v1/users/me", auth)),
        *social_scenarios(fixture, scenario),
    ]


def social_scenarios(fixture: Fixture, scenario: Callable[..., Scenario]) -> list[Scenario]:
    """The reads of the follows, comments, tags and search features."""
    feed_auth = {**JSON_HEADERS, "Authorization": f"Bearer {fixture.feed_token}"}
    feed = f"/api/v1/feed?limit={DEFAULT_LIMIT}"
    search = f"/api/v1/posts?{urlencode({'q': fixture.common_word, 'limit': DEFAULT_LIMIT})}"
    tagged = f"/api/v1/posts?{urlencode({'tag': fixture.popular_tag, 'limit': DEFAULT_LIMIT})}"
    stats = "/api/v1/users?" + urlencode(
        {"sort": "-post_count", "created_after": fixture.median_signup, "limit": DEFAULT_LIMIT}
    )
    comments = f"/api/v1/posts/{{id}}/comments?limit={DEFAULT_LIMIT}"
    return [
        scenario(
            "feed",
            f"GET {feed} (bearer; follows {fixture.feed_following})",
            get(feed, feed_auth),
        ),
        scenario("posts/search", f"GET {search}", get(search)),
        scenario("posts/tag", f"GET {tagged}", get(tagged)),
        scenario(
            "posts/comments",
            "GET /api/v1/posts/{random id with comments}/comments",
            pick(fixture.commented_post_ids, comments),
        ),
        scenario("users/stats", f"GET {stats}", get(stats)),
    ]


def cached_scenarios(port: int, fixture: Fixture, requests: int, warmup: int) -> list[Scenario]:
    """The reads of the issue's cached targets, on the server with CACHE_ENABLED=true.

    Items are read from hot sets (see HOT_SET), so after the warm-up every
    read is a cache hit; until the response cache exists they cost what the
    uncached reads cost.
    """
    auth = {**JSON_HEADERS, "Authorization": f"Bearer {fixture.token}"}
    conditional = {**JSON_HEADERS, "If-None-Match": fixture.first_page_etag}
    first = posts_path(DEFAULT_LIMIT)
    tagged = f"/api/v1/posts?{urlencode({'tag': fixture.popular_tag, 'limit': DEFAULT_LIMIT})}"

    def scenario(name: str, label: str, make: Callable[[int], Request], **kw) -> Scenario:
        return Scenario(CACHED_PREFIX + name, label, port, make, requests, warmup, CACHED, **kw)

    return [
        scenario("posts/first", f"GET {first}", get(first)),
        scenario(
            "posts/first-304",
            f"GET {first}, If-None-Match: its ETag (304)",
            get(first, conditional),
            expected=lambda status: status == 304,
        ),
        scenario("posts/first-auth", f"GET {first} (bearer: liked)", get(first, auth)),
        scenario(
            "posts/by-id",
            f"GET /api/v1/posts/{{one of {len(fixture.hot_post_ids)} hot ids}}",
            cycle(fixture.hot_post_ids, "/api/v1/posts/{id}"),
        ),
        scenario(
            "users/by-id",
            f"GET /api/v1/users/{{one of {len(fixture.hot_author_ids)} hot ids}}",
            cycle(fixture.hot_author_ids, "/api/v1/users/{id}"),
        ),
        scenario("posts/tag", f"GET {tagged}", get(tagged)),
    ]


def like(fixture: Fixture) -> Callable[[int], Request]:
    """PUT a like on a random published post (a repeat is an idempotent 2xx)."""
    headers = {**JSON_HEADERS, "Authorization": f"Bearer {fixture.token}"}
    return pick(fixture.post_ids, "/api/v1/posts/{id}/like", "PUT", headers)


def build_scenarios(
    ports: Ports, fixture: Fixture, requests: int, writes: int, concurrency: int
) -> tuple[list[Scenario], list[Scenario]]:
    """The read scenarios (run interleaved) and the write scenarios (run after them).

    The reads start with the bare Flask ceiling, then the uncached server's,
    then the cached server's. Writes go last: published bench posts would
    otherwise take over the first page mid-run (and invalidate the cached one).
    """
    warmup = min(max(concurrency * 5, HOT_SET), requests)
    write_warmup = min(warmup, writes)
    ceiling = Scenario(
        CEILING,
        f"GET / (bench.bare_app, {DEFAULT_LIMIT} items)",
        ports.bare,
        get("/"),
        requests,
        warmup,
        BARE,
    )
    reads = [
        ceiling,
        *read_scenarios(ports.uncached, fixture, requests, warmup),
        *cached_scenarios(ports.cached, fixture, requests, warmup),
    ]
    create = Scenario(
        "posts/create",
        "POST /api/v1/posts (bearer)",
        ports.uncached,
        write_post(fixture.token),
        writes,
        write_warmup,
    )
    like_post = Scenario(
        "posts/like",
        "PUT /api/v1/posts/{random id}/like (bearer)",
        ports.uncached,
        like(fixture),
        writes,
        write_warmup,
    )
    cached_create = Scenario(
        CACHED_PREFIX + "posts/create",
        "POST /api/v1/posts (bearer; invalidates cached lists)",
        ports.cached,
        write_post(fixture.token, CACHED),
        writes,
        write_warmup,
        CACHED,
    )
    return reads, [create, like_post, cached_create]
