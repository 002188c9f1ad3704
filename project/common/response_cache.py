"""The response cache: public GET answers kept in flask-caching, never stale after a write.

Reading. A GET route marked `@cached("post:{post_id}")` (below `auth_required`,
above `blp.arguments`) names what its answer depends on: keys such as
`post:{post_id}` (one post), `posts` (every list of posts), `users`. Its answer
is kept under its URL, with the *version* of each of those keys (and of
`everything`) at the moment the answer was built.
A lookup is one `MGET` (entry and versions): the entry is served only when its
versions are still the current ones, so a hit costs no SQL at all.

Writing. Nobody deletes entries: a commit that changed what a key covers gives
that key a new version, so every entry built on the old one misses from then
on, on every instance sharing the cache. Which keys change is declared once
per model by its plugin (`invalidate_on(Post, ...)`, gathered from the ORM
flush) and, for the counters kept by UPDATE statements, by the service that
runs them (`changed("post:7", "posts")`). Versions are set after the commit
(a reader that built an answer from data older than the commit tagged it with
the older version) to a new random number, never a successor: a version lost
(evicted, expired) and created again cannot bring an old entry back to life.

Viewers. The body kept is the one everybody gets (`project.common.viewer`):
an anonymous hit serves it as it is; an authenticated one lays the viewer's
own fields (`liked`, `is_followed`, `email`...) over it. Those are kept too,
per viewer and answer (`Personal`), fetched in the same `MGET`, and valid
while the answer's versions and the viewer's own key
(`invalidation.viewer_key`: their likes, their follows, their row) stay
current; otherwise the providers are asked (one query each) and the result
kept. One viewer's fields are never served to another. A route whose answer
shows what only its viewer may see (a draft) calls `not_shareable()` and
that answer is not kept.

Expiry and rebuilding. An entry older than `CACHE_DEFAULT_TIMEOUT` (a backstop:
invalidation does not depend on it) is rebuilt by one worker while the others
keep serving it for up to `CACHE_REFRESH_WINDOW` seconds more. When an entry
is missing or outdated, one worker (holding a short lock) rebuilds it and the
others wait for it up to `CACHE_REBUILD_WAIT` seconds before building it
themselves: a hot key invalidated under load is built about once, not once
per request.

Failures. With Redis down the backend answers every read as a miss
(`project.common.cache`): answers are built and not kept. A version change
that could not be written is remembered by the process, which moves
`everything` to a new version as soon as Redis answers again; until then it
does not use the cache. `CACHE_ENABLED=false` turns all of this off.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any

import click
import orjson
from flask import Flask, Response, current_app, request
from flask.cli import AppGroup

from project.common import invalidation
from project.common.auth import viewer as current_viewer
from project.common.conditional import VERSION_KEY, etag_for
from project.common.invalidation import EVERYTHING
from project.common.metrics import RESPONSE_CACHE
from project.common.viewer import ViewedFields, viewed_fields, viewer_fields
from project.extensions import cache

EXTENSION_KEY = "postwell_response_cache"
# request.environ: this answer shows what only its viewer may see.
NOT_SHAREABLE = "postwell.not_shareable"
VERSION_PREFIX = "version:"
# The layout of `Entry` is part of the key: a release that changes it never
# unpickles the entries an older one keeps in the same Redis (they expire).
ENTRY_PREFIX = "response:v2:"
PERSONAL_PREFIX = "personal:v1:"
LOCK_PREFIX = "rebuilding:"
# Versions outlive the entries built on them; a lost one only causes misses.
VERSION_TIMEOUT = 24 * 3600
# The longest a rebuild may hold its lock (a worker that died lets go by then).
LOCK_TIMEOUT = 10
POLL_INTERVAL = 0.01
# Headers recomputed for every answer, never kept with the body.
PER_RESPONSE_HEADERS = frozenset({"content-length", "set-cookie"})

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Entry:
    """One kept answer: the body everybody gets, and what serving it again needs."""

    versions: tuple[int, ...]
    body: bytes
    etag: str  # of `body`: an anonymous hit (or its 304) does not hash the body again
    headers: tuple[tuple[str, str], ...]
    viewed: ViewedFields | None
    resource_version: int | None
    built_at: float


@dataclass(frozen=True)
class Personal:
    """One viewer's own fields over one kept answer, one mapping per item shown.

    `versions`: the answer's, then the viewer's (`invalidation.viewer_key`).
    """

    versions: tuple[int, ...]
    fields: tuple[dict[str, Any], ...]


def new_version() -> int:
    return secrets.randbits(62)


def not_shareable() -> None:
    """This answer shows what only its viewer may see: build it, never keep it."""
    request.environ[NOT_SHAREABLE] = True


def entry_key() -> str:
    """The exact URL asked for: its host and query order show in the `Link` header kept.

    Read raw from the WSGI environ: `request.url` decodes and re-quotes it,
    6% of a cache hit. Two spellings of one URL are two entries, both right.
    """
    environ = request.environ
    url = "\n".join(
        (
            request.scheme,
            request.host,
            environ.get("SCRIPT_NAME", ""),
            environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""),
        )
    )
    digest = hashlib.blake2b(url.encode(), digest_size=16).hexdigest()
    return f"{request.endpoint}:{digest}"


def shown_items(data: Any, viewed: ViewedFields) -> list[dict[str, Any]]:
    """The items of a dumped body: a page's `items`, or the one resource."""
    return data["items"] if viewed.page else [data]


class ResponseCache:
    """The app's response cache over its flask-caching backend (see the module docstring)."""

    def __init__(self, app: Flask) -> None:
        self.backend = app.extensions["cache"][cache]
        self.enabled: bool = app.config["CACHE_ENABLED"]
        self.timeout: int = app.config["CACHE_DEFAULT_TIMEOUT"]
        self.refresh_window: int = app.config["CACHE_REFRESH_WINDOW"]
        self.rebuild_wait: float = app.config["CACHE_REBUILD_WAIT"]
        self._lost = threading.Event()  # a version change could not be written

    def usable(self) -> bool:
        """False while the backend's Redis is counted as down (see `project.common.redis`):
        what it answered since was a fallback, not Redis."""
        guard = getattr(self.backend, "guard", None)
        return guard is None or not guard.breaker.is_open

    def publish(self, keys: Iterable[str]) -> None:
        """New versions for `keys`, so that every entry built on the old ones misses."""
        versions = {VERSION_PREFIX + key: new_version() for key in keys}
        written = self.backend.set_many(versions, timeout=VERSION_TIMEOUT)
        if len(written) < len(versions) and not self._lost.is_set():
            self._lost.set()
            log.warning(
                "Could not invalidate cached answers (%s); the whole response cache is"
                " invalidated when the cache backend answers again",
                ", ".join(sorted(keys)),
            )

    def recovered(self) -> bool:
        """No lost version change left: after one, move `everything` first."""
        if not self._lost.is_set():
            return True
        if self.backend.set(VERSION_PREFIX + EVERYTHING, new_version(), timeout=VERSION_TIMEOUT):
            self._lost.clear()
            log.warning("Cache backend answering again: every cached answer invalidated")
            return True
        return False

    def serve(self, view: Callable[..., Any], dependencies: tuple[str, ...]) -> Any:
        # No `usable()` check first: while the breaker is open these calls fall
        # back without the network, and once it lets one probe, they are it.
        if not self.recovered():
            return self.build(view, outcome="bypass")
        key = entry_key()
        names = [
            EVERYTHING,
            *(dependency.format_map(request.view_args or {}) for dependency in dependencies),
        ]
        viewer = current_viewer()
        personal_key = None
        if viewer is not None:
            names.append(invalidation.viewer_key(viewer.id))
            personal_key = f"{PERSONAL_PREFIX}{key}:{viewer.id}"
        version_keys = [VERSION_PREFIX + name for name in names]
        entry, *versions = self.backend.get_many(
            ENTRY_PREFIX + key, *version_keys, *([personal_key] if personal_key else ())
        )
        found = versions.pop() if personal_key else None
        if None in versions:
            versions = self.create_missing_versions(version_keys, versions)
        if not self.usable() or None in versions:
            return self.build(view, outcome="bypass")
        # The answer's versions; the viewer's own version ends `mine`.
        mine = tuple(versions)
        current = mine[: 1 + len(dependencies)]
        personal = PersonalLookup(personal_key, mine, found) if personal_key else None
        if isinstance(entry, Entry) and entry.versions == current:
            if time.time() - entry.built_at < self.timeout or not self.lock(key):
                return self.respond(entry, "hit", personal)
            return self.build(view, key=key, versions=current, locked=True)
        if self.lock(key):
            # Another worker may have kept it between our read and our lock.
            entry = self.backend.get(ENTRY_PREFIX + key)
            if isinstance(entry, Entry) and entry.versions == current:
                self.backend.delete(LOCK_PREFIX + key)
                return self.respond(entry, "waited")
            return self.build(view, key=key, versions=current, locked=True)
        rebuilt = self.wait_for_rebuild(key, current)
        if rebuilt is not None:
            return self.respond(rebuilt, "waited")
        return self.build(view, key=key, versions=current)

    def create_missing_versions(
        self, version_keys: list[str], versions: list[int | None]
    ) -> list[int | None]:
        """A key never changed (or whose version was lost) gets a first, random version."""
        found = []
        for version_key, version in zip(version_keys, versions, strict=True):
            if version is None:
                version = new_version()
                if not self.backend.add(version_key, version, timeout=VERSION_TIMEOUT):
                    version = self.backend.get(version_key)  # another request created it
            found.append(version)
        return found

    def lock(self, key: str) -> bool:
        return bool(self.backend.add(LOCK_PREFIX + key, 1, timeout=LOCK_TIMEOUT))

    def wait_for_rebuild(self, key: str, versions: tuple[int, ...]) -> Entry | None:
        """The entry another worker is building, if it is ready in time."""
        deadline = time.monotonic() + self.rebuild_wait
        while time.monotonic() < deadline:
            time.sleep(POLL_INTERVAL)
            entry, rebuilding = self.backend.get_many(ENTRY_PREFIX + key, LOCK_PREFIX + key)
            if isinstance(entry, Entry) and entry.versions == versions:
                return entry
            if rebuilding is None:  # the builder finished without keeping an answer
                return None
        return None

    def build(
        self,
        view: Callable[..., Any],
        *,
        outcome: str = "miss",
        key: str | None = None,
        versions: tuple[int, ...] | None = None,
        locked: bool = False,
    ) -> Any:
        """Answer by running the view; keep the answer when it is everybody's."""
        try:
            response = view()
            if (
                key is None
                or versions is None
                or not isinstance(response, Response)
                or response.status_code != 200
                or request.environ.get(NOT_SHAREABLE)
            ):
                outcome = "bypass"
            else:
                self.keep(key, versions, response)
        except BaseException:
            outcome = "bypass"
            raise
        finally:
            if locked:
                self.backend.delete(LOCK_PREFIX + key)
            RESPONSE_CACHE.labels(endpoint=request.endpoint, outcome=outcome).inc()
        return response

    def keep(self, key: str, versions: tuple[int, ...], response: Response) -> None:
        viewed = viewed_fields()
        body = response.get_data()
        if viewed is not None and viewed.names:  # take the viewer's own fields out again
            data = current_app.json.loads(body)
            for item in shown_items(data, viewed):
                for name in viewed.names:
                    item.pop(name, None)
            body = current_app.json.response(data).get_data()
        entry = Entry(
            versions=versions,
            body=body,
            etag=etag_for(body, request.environ.get(VERSION_KEY)),
            headers=tuple(
                (name, value)
                for name, value in response.headers.items()
                if name.lower() not in PER_RESPONSE_HEADERS
            ),
            viewed=viewed,
            resource_version=request.environ.get(VERSION_KEY),
            built_at=time.time(),
        )
        self.backend.set(ENTRY_PREFIX + key, entry, timeout=self.timeout + self.refresh_window)

    def respond(
        self, entry: Entry, outcome: str, personal: PersonalLookup | None = None
    ) -> Response:
        body = entry.body
        viewer = current_viewer()
        if viewer is not None and entry.viewed is not None:
            data = orjson.loads(body)  # a body this app wrote: no hostile input
            items = shown_items(data, entry.viewed)
            if personal is not None and personal.valid_for(items):
                fields = list(personal.found.fields)
            else:
                fields = viewer_fields(entry.viewed.model, [item["id"] for item in items], viewer)
                if personal is not None:
                    self.backend.set(
                        personal.key,
                        Personal(personal.versions, tuple(fields)),
                        timeout=self.timeout,
                    )
            for item, own in zip(items, fields, strict=True):
                item.update(own)
            body = current_app.json.response(data).get_data()
        if entry.resource_version is not None:
            request.environ[VERSION_KEY] = entry.resource_version
        RESPONSE_CACHE.labels(endpoint=request.endpoint, outcome=outcome).inc()
        response = current_app.response_class(body, status=200, headers=list(entry.headers))
        if body is entry.body:  # what everyone gets: its tag was computed when kept
            response.set_etag(entry.etag)
        return response


@dataclass(frozen=True)
class PersonalLookup:
    """What a hit found of its viewer's `Personal` fields, and where to keep new ones."""

    key: str
    versions: tuple[int, ...]
    found: Personal | None

    def valid_for(self, items: list[dict[str, Any]]) -> bool:
        found = self.found
        return (
            isinstance(found, Personal)
            and found.versions == self.versions
            and len(found.fields) == len(items)
        )


def cached(*dependencies: str) -> Callable:
    """Keep this GET's answer until a write changes one of `dependencies`.

    Each dependency is a key, formatted with the route's arguments
    (`"post:{post_id}"`). Goes below `auth_required` and above `blp.arguments`:
    a hit skips argument parsing, and an invalid query is never kept (only
    200 answers are).
    """

    def decorator(func: Callable) -> Callable:
        @wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            response_cache: ResponseCache | None = current_app.extensions.get(EXTENSION_KEY)
            view = lambda: func(*args, **kwargs)  # noqa: E731
            if response_cache is None or not response_cache.enabled:
                return view()
            return response_cache.serve(view, dependencies)

        return wrapper

    return decorator


cache_cli = AppGroup("cache", help="The response cache.")


@cache_cli.command("invalidate")
def invalidate_command() -> None:
    """Make every cached answer miss (after writing to the database outside the API)."""
    response_cache: ResponseCache = current_app.extensions[EXTENSION_KEY]
    response_cache.publish([EVERYTHING])
    if not response_cache.recovered():
        raise click.ClickException("The cache backend did not answer; nothing was invalidated.")
    click.echo("Every cached answer invalidated.")


def init_app(app: Flask) -> None:
    """After the cache extension is bound."""
    app.cli.add_command(cache_cli)
    response_cache = ResponseCache(app)
    app.extensions[EXTENSION_KEY] = response_cache
    invalidation.publish_with(app, response_cache.publish)
