"""Stale reads: a write, then at once a read on a new connection, must show the new value.

Run against the cached server (two or more workers, one Redis). Each check
first reads what the write will change (so the old answer is in the cache),
writes, then reads again, each request on its own new connection, so the
reads may land on another worker than the write. The kinds take turns:

- `create`: POST a post; the first page of /api/v1/posts (anonymous and with
  the token) must start with it.
- `edit`: PATCH the title of the newest post the checker wrote; the post and
  the first page of its author's posts must show the new title.
- `like`: like (or unlike, if the checker already likes it) a post; the post
  must show `like_count` one up (down), and `liked` to its viewer.
- `follow`: follow (or unfollow) a user; the user must show `follower_count`
  one up (down), and `is_followed` to the follower.

Every read that does not show the new value is a stale read; the target is
none. The response cache's own counts over the phase (`/metrics`) show
whether the reads went through the cache at all.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from bench import BenchError, log
from bench.cachestats import delta, describe, scrape
from bench.client import exchange
from bench.scenarios import JSON_HEADERS, posts_path
from project.common.pagination import DEFAULT_LIMIT

KINDS = ("create", "edit", "like", "follow")
MAX_EXAMPLES = 10


@dataclass
class KindCount:
    checks: int = 0
    reads: int = 0
    stale: int = 0


@dataclass
class StaleReport:
    checks: int
    workers: int
    seconds: float = 0.0
    reads: int = 0
    stale: int = 0
    # Writes or reads that failed (non-2xx or no connection): not checked.
    errors: int = 0
    by_kind: dict[str, KindCount] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)
    error_examples: list[str] = field(default_factory=list)
    # The response cache's counts over the phase (None: n/a), and why n/a.
    cache: dict[str, float] | None = None
    cache_note: str = ""

    def as_json(self) -> dict:
        payload = asdict(self)
        payload["passed"] = self.passed
        return payload

    @property
    def passed(self) -> bool:
        return self.stale == 0 and self.errors == 0 and self.reads > 0


class RequestFailed(Exception):
    """A write or read of a check did not answer as expected: the check is skipped."""


class Checker:
    """One client (the bench user), on a fresh connection for every request."""

    def __init__(self, port: int, token: str, report: StaleReport):
        self.port, self.report = port, report
        self.auth = {**JSON_HEADERS, "Authorization": f"Bearer {token}"}
        self.me = self.request("GET", "/api/v1/users/me", auth=True)["id"]
        self.latest_post: int | None = None

    def request(self, method: str, path: str, payload=None, auth: bool = False) -> dict:
        headers = dict(self.auth if auth else JSON_HEADERS)
        body = None
        if payload is not None:
            body = json.dumps(payload).encode()
            headers["Content-Type"] = "application/json"
        try:
            status, _headers, raw = exchange(self.port, method, path, body, headers)
        except OSError as exc:
            raise RequestFailed(f"{method} {path}: {exc!r}") from exc
        if not 200 <= status < 300:
            raise RequestFailed(f"{method} {path}: {status} {raw[:300].decode(errors='replace')}")
        return json.loads(raw) if raw else {}

    def expect(self, kind: str, what: str, seen, wanted) -> None:
        """One read after a write: stale unless it shows `wanted`."""
        counts = self.report.by_kind[kind]
        counts.reads += 1
        self.report.reads += 1
        if seen != wanted:
            counts.stale += 1
            self.report.stale += 1
            if len(self.report.examples) < MAX_EXAMPLES:
                self.report.examples.append(f"{kind}: {what}: saw {seen!r}, expected {wanted!r}")

    def create(self, number: int) -> None:
        first = posts_path(DEFAULT_LIMIT)
        self.request("GET", first)  # the old first page, into the cache
        self.request("GET", first, auth=True)
        body = {"title": f"Stale check {number}", "body": f"Written by the stale check {number}."}
        post = self.request("POST", "/api/v1/posts", body, auth=True)
        self.latest_post = post["id"]
        for auth in (False, True):
            items = self.request("GET", first, auth=auth)["items"]
            who = "bearer" if auth else "anonymous"
            self.expect("create", f"GET {first} ({who}) first id", items[0]["id"], post["id"])

    def edit(self, number: int) -> None:
        if self.latest_post is None:
            raise RequestFailed("no post of the checker's to edit (its create failed)")
        post_path = f"/api/v1/posts/{self.latest_post}"
        mine = f"/api/v1/users/{self.me}/posts?limit={DEFAULT_LIMIT}"
        self.request("GET", post_path)
        self.request("GET", mine)
        title = f"Stale check {number} edited {secrets.token_hex(4)}"
        self.request("PATCH", post_path, {"title": title}, auth=True)
        self.expect(
            "edit", f"GET {post_path} title", self.request("GET", post_path)["title"], title
        )
        titles = {item["id"]: item["title"] for item in self.request("GET", mine)["items"]}
        self.expect("edit", f"GET {mine} title", titles.get(self.latest_post), title)

    def like(self, post_id: int) -> None:
        path = f"/api/v1/posts/{post_id}"
        count = self.request("GET", path)["like_count"]
        liked = self.request("GET", path, auth=True)["liked"]
        self.request("DELETE" if liked else "PUT", f"{path}/like", auth=True)
        wanted = count - 1 if liked else count + 1
        self.expect(
            "like", f"GET {path} like_count", self.request("GET", path)["like_count"], wanted
        )
        viewed = self.request("GET", path, auth=True)
        self.expect("like", f"GET {path} (bearer) liked", viewed["liked"], not liked)
        self.expect("like", f"GET {path} (bearer) like_count", viewed["like_count"], wanted)

    def follow(self, user_id: int) -> None:
        path = f"/api/v1/users/{user_id}"
        count = self.request("GET", path)["follower_count"]
        followed = self.request("GET", path, auth=True)["is_followed"]
        self.request("DELETE" if followed else "PUT", f"{path}/follow", auth=True)
        wanted = count - 1 if followed else count + 1
        seen = self.request("GET", path)["follower_count"]
        self.expect("follow", f"GET {path} follower_count", seen, wanted)
        viewed = self.request("GET", path, auth=True)
        self.expect(
            "follow", f"GET {path} (bearer) is_followed", viewed["is_followed"], not followed
        )


def check_stale_reads(
    port: int,
    token: str,
    metrics_token: str | None,
    post_ids: list[int],
    user_ids: list[int],
    checks: int,
    workers: int,
) -> StaleReport:
    """`checks` write-then-read checks, the kinds in turn; the stale reads counted."""
    report = StaleReport(checks=checks, workers=workers)
    report.by_kind = {kind: KindCount() for kind in KINDS}
    checker = Checker(port, token, report)
    others = [user_id for user_id in user_ids if user_id != checker.me]
    if not post_ids or not others:
        raise BenchError("the stale-read check needs published posts and other users")
    before, _ = scrape(port, metrics_token)
    started = time.perf_counter()
    steps: dict[str, Callable[[int], None]] = {
        "create": checker.create,
        "edit": checker.edit,
        "like": lambda n: checker.like(post_ids[n // len(KINDS) % len(post_ids)]),
        "follow": lambda n: checker.follow(others[n // len(KINDS) % len(others)]),
    }
    for number in range(checks):
        kind = KINDS[number % len(KINDS)]
        report.by_kind[kind].checks += 1
        try:
            steps[kind](number)
        except (RequestFailed, KeyError, IndexError, ValueError) as exc:
            report.errors += 1
            if len(report.error_examples) < MAX_EXAMPLES:
                report.error_examples.append(f"{kind}: {exc!r}")
    report.seconds = round(time.perf_counter() - started, 1)
    after, note = scrape(port, metrics_token)
    counts = delta(before, after)
    report.cache = counts.totals() if counts else None
    report.cache_note = note
    log(
        f"stale reads: {report.stale} of {report.reads} reads after {checks} writes "
        f"({report.errors} failed checks) in {report.seconds:.1f} s; "
        f"cache: {describe(counts)}{f' ({note})' if note else ''}"
    )
    return report
