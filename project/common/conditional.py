"""HTTP caching headers and conditional requests (RFC 9110 §8.8, §13; RFC 9111).

Every `200` answer to a GET (or HEAD) of the API carries:

* `ETag`, strong. A single resource declared `@versioned` (posts, comments,
  users) has `"<version>-<digest>"`: its row version (`VersionMixin`) and a
  digest of the body, so the tag changes with every byte of the answer
  (counts, the author's name, the viewer's own fields) and its version part
  names the edit it shows. A collection has `"<digest>"`, a hash of its body.
* `Cache-Control: public, max-age=0, must-revalidate` when asked without a
  token; `private, max-age=0, must-revalidate` with one (the answer may show
  the viewer's own fields, which no shared cache may keep).
* `Vary: Authorization`.

`If-None-Match` naming the current tag turns the answer into a `304 Not
Modified` with no body (and the same validators). A `PATCH` answer of a
versioned resource carries its new `ETag`, so an editor can chain writes.

`If-Match` on PATCH and DELETE of a versioned resource: `if_match_versions()`
reads the versions the client's tags name; the route passes them to the
service, which compares them with the row it locked (`ensure_version`: 412
when stale, nothing written). Only the version part is compared: a like or
a comment between the read and the write is not an edit the writer could
lose. Two writes that both pass the check are settled by the database: the
version column makes the later one match no row (StaleDataError, 412).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, Response, request

API_PREFIX = "/api/"
PUBLIC = "public, max-age=0, must-revalidate"
PRIVATE = "private, max-age=0, must-revalidate"
ETAG_HEADERS = {
    "ETag": {
        "description": "Strong validator: send it back in If-None-Match (a 304 if unchanged)"
        " or, for posts, comments and users, in If-Match to edit or delete safely.",
        "schema": {"type": "string"},
    },
    "Cache-Control": {
        "description": "`public, max-age=0, must-revalidate` without a token; "
        "`private, max-age=0, must-revalidate` with one.",
        "schema": {"type": "string"},
    },
    "Vary": {"description": "`Authorization` (among others).", "schema": {"type": "string"}},
}
IF_NONE_MATCH = {
    "in": "header",
    "name": "If-None-Match",
    "required": False,
    "description": "ETags the client holds: a 304 with no body when one is current.",
    "schema": {"type": "string"},
}
IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": False,
    "description": "The ETag the change is based on (or `*`): a 412 and nothing written"
    " if the resource has been edited since.",
    "schema": {"type": "string"},
}
# Where `@versioned` leaves the version for `add_caching_headers`: per request
# (an app context, and so `g`, may outlive one request).
VERSION_KEY = "postwell.resource_version"


def digest(body: bytes) -> str:
    return hashlib.blake2b(body, digest_size=12).hexdigest()


def etag_for(body: bytes, version: int | None = None) -> str:
    """The strong tag (without quotes) of `body`, showing a resource at `version`."""
    return digest(body) if version is None else f"{version}-{digest(body)}"


def version_of(tag: str) -> int | None:
    head, sep, _ = tag.partition("-")
    if not sep or not head.isascii() or not head.isdigit() or len(head) > 18:
        return None
    return int(head)


def versioned(func: Callable) -> Callable:
    """The view returns a versioned resource: its version goes into the ETag.

    Put it below `@blp.response` (it sees the object the view returns).
    """

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = func(*args, **kwargs)
        resource = result[0] if isinstance(result, tuple) else result
        version = getattr(resource, "version", None)
        if isinstance(version, int):
            request.environ[VERSION_KEY] = version
        return result

    return wrapper


def if_match_versions() -> frozenset[int] | None:
    """The versions this request's `If-Match` names; None when absent or `*`.

    A weak tag never matches (If-Match compares strongly), nor one that is not
    ours: an empty set, so the write is refused as stale.
    """
    if "If-Match" not in request.headers:
        return None
    tags = request.if_match
    if tags.star_tag:
        return None
    versions = (version_of(tag) for tag in tags.as_set(include_weak=False))
    return frozenset(version for version in versions if version is not None)


def add_caching_headers(response: Response) -> Response:
    """ETag, Cache-Control and Vary on an API GET's 200, or a 304 (see the module).

    It runs on every answer, so it reads the request's environ once and the
    raw headers: each `request.x` resolves the proxy again, and werkzeug's
    `vary`, `get_etag()` and `if_none_match` parse headers into objects, most
    of this hook's time on a cache hit. The answer is the same.
    """
    environ = request.environ
    if response.status_code != 200 or not environ.get("PATH_INFO", "").startswith(API_PREFIX):
        return response
    method = environ["REQUEST_METHOD"]
    version = environ.get(VERSION_KEY)
    if method == "PATCH" and version is not None:
        response.set_etag(etag_for(response.get_data(), version))
        return response
    if method not in ("GET", "HEAD") or not response.is_json:
        return response
    headers = response.headers
    if "ETag" not in headers:  # a cached answer comes with its tag
        response.set_etag(etag_for(response.get_data(), version))
    if "Cache-Control" not in headers:
        headers["Cache-Control"] = PRIVATE if "HTTP_AUTHORIZATION" in environ else PUBLIC
    if "Vary" not in headers:
        headers["Vary"] = "Authorization"
    else:
        response.vary.add("Authorization")
    if "HTTP_IF_NONE_MATCH" in environ and request.if_none_match.contains_weak(
        response.get_etag()[0]
    ):
        response.status_code = 304
        response.set_data(b"")
        del headers["Content-Type"]
        del headers["Content-Length"]
    return response


def init_app(app: Flask) -> None:
    # Registered after observability's hook, so it runs before it: a 304 gets
    # its own X-Request-ID and X-Process-Time too.
    app.after_request(add_caching_headers)
