"""The flask-smorest `Blueprint` plugins build on.

Two additions to flask-smorest's:

* `page_response(ItemSchema)`: a route that returns a `Page` is declared like
  one that returns an item; the `{items, next_cursor}` envelope and the
  `Link` header are documented and sent for it.
* A JSON body means JSON. webargs reads a body only when it is labelled JSON
  and otherwise carries on as if none was sent: `curl -d '{"bio": "x"}'`
  (form-encoded by default) would PATCH nothing and answer 200, and an
  operation whose spec says its body is required would run without one. Here
  a body in any other media type is a 415, and a missing required body a 422,
  before webargs parses anything.
* Hostile JSON is a 400. Python's parser raises RecursionError on deeply
  nested arrays and ValueError on integers of more than 4,300 digits, neither
  of them a JSONDecodeError, so webargs and Flask let both through as 500s.
  `load_json` turns every failure into a JSONDecodeError; the arguments parser
  and the app's JSON provider (`request.get_json`) both use it.
* A body over MAX_CONTENT_LENGTH is a 413 however it is sent. Werkzeug cuts a
  chunked body (no Content-Length) at the limit and hands over the truncated
  bytes; `Request` reads one byte more, so a body that does not fit is
  refused instead of parsed as broken JSON.
* Response bodies are encoded by orjson, byte for byte as Flask's provider
  would encode them (`JSONProvider.dumps`): the stdlib encoder was a tenth
  of the time of a page of posts.

`init_app` installs the provider, the request class and `NoCookieSessions`
on the app.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

import flask
import flask_smorest
import marshmallow as ma
import orjson
from flask import request
from flask.json.provider import DefaultJSONProvider
from flask.sessions import SessionInterface
from flask_smorest import abort
from webargs.core import missing
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.exceptions import RequestEntityTooLarge

from project.common.pagination import LINK_HEADER, next_link_header, page_schema

JSON_BODY_REQUIRED = "A JSON request body is required."
INVALID_JSON = "The request body is not valid JSON."
TOO_DEEP = "The request body is not valid JSON: it is nested too deeply."
TOO_LONG_NUMBER = "The request body is not valid JSON: a number has too many digits."


class HostileJSON(json.JSONDecodeError):
    """JSON that Python cannot parse safely; `detail` says why, for the client."""

    def __init__(self, detail: str, doc: str) -> None:
        super().__init__(detail, doc or "?", 0)
        self.detail = detail


def load_json(data: str | bytes, **kwargs: Any) -> Any:
    """`json.loads`, with every failure a JSONDecodeError (a ValueError)."""
    try:
        return json.loads(data, **kwargs)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise HostileJSON(TOO_DEEP, "") from None
    except UnicodeDecodeError as exc:
        raise json.JSONDecodeError(f"Bytes decoding error: {exc.reason}", "?", 0) from None
    except ValueError:  # int(): "Exceeds the limit (4300 digits) for integer string conversion"
        raise HostileJSON(TOO_LONG_NUMBER, "") from None


# Where orjson's bytes differ from `json.dumps(ensure_ascii=True)`'s:
# * it writes non-ASCII characters and DEL as they are, json as `\\uXXXX`
#   escapes (a surrogate pair above U+FFFF): `_escape_non_ascii` does the same;
# * floats under 1e-4: "0.00001" and "1e-7" for json's "1e-05" and "1e-07". A
#   body that may hold one (or text that merely looks like one) goes to json.
ORJSON_SMALL_EXPONENT = re.compile(rb"e-[0-9](?![0-9])")
NON_ASCII = re.compile("[\x7f-\U0010ffff]")
# Types orjson would encode itself but Flask's `default` encodes otherwise
# (dates as HTTP dates) or the same way (dataclasses): both go to `default`.
ORJSON_OPTIONS = (
    orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
)
COMPACT = {"separators": (",", ":")}


class JSONProvider(DefaultJSONProvider):
    """Flask's provider, parsing with `load_json` (so `get_json` fails as a 400),
    and writing compact bodies with orjson.

    The bytes are exactly those of Flask's `DefaultJSONProvider` (sorted keys,
    `ensure_ascii`, compact separators, the same `default`), so a body does
    not change with the encoder that wrote it. Non-ASCII text is escaped as
    json escapes it; whatever orjson cannot write that way (floats under
    1e-4, integers beyond 64 bits, non-string keys, lone surrogates, nesting
    deeper than 254) is written by `json.dumps`.
    The one exception, NaN and infinities (`NaN` for json, which is not JSON;
    `null` for orjson), no Postwell schema can produce.
    """

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return load_json(s, **kwargs)

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if kwargs == COMPACT and self.sort_keys and self.ensure_ascii:
            raw = self._fast_dumps(obj)
            if raw is not None:
                return raw.decode()
        return super().dumps(obj, **kwargs)

    def response(self, *args: Any, **kwargs: Any) -> flask.Response:
        compact = self.compact if self.compact is not None else not self._app.debug
        if compact and self.sort_keys and self.ensure_ascii:
            raw = self._fast_dumps(self._prepare_response_obj(args, kwargs))
            if raw is not None:
                return self._app.response_class(raw + b"\n", mimetype=self.mimetype)
        return super().response(*args, **kwargs)

    def _fast_dumps(self, obj: Any) -> bytes | None:
        """orjson's encoding of `obj`, or None when it may differ from `json.dumps`'s."""
        try:
            raw = orjson.dumps(obj, default=self.default, option=ORJSON_OPTIONS)
        except TypeError:  # JSONEncodeError: let json.dumps encode it, or raise its error
            return None
        if b"0.0000" in raw or (b"e-" in raw and ORJSON_SMALL_EXPONENT.search(raw)):
            return None
        if raw.isascii() and b"\x7f" not in raw:
            return raw
        return NON_ASCII.sub(_escape_non_ascii, raw.decode()).encode()


def _escape_non_ascii(match: re.Match[str]) -> str:
    """`json.dumps`' `ensure_ascii` escape of one character (inside a string)."""
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 | code >> 10:04x}\\u{0xDC00 | code & 0x3FF:04x}"


class Request(flask.Request):
    """A request whose streamed (chunked) body over MAX_CONTENT_LENGTH is a 413."""

    @property
    def max_content_length(self) -> int | None:
        limit = super().max_content_length
        if limit is None or self.content_length is not None:
            return limit  # Content-Length over the limit: Werkzeug's 413 already
        # Werkzeug stops reading a stream at this length without complaint: allow
        # one byte more, so that a body longer than the limit can be told apart.
        return limit + 1

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    def get_data(self, cache: bool = True, as_text: bool = False, parse_form_data: bool = False):
        data = super().get_data(cache=cache, as_text=False, parse_form_data=parse_form_data)
        limit = super().max_content_length
        if limit is not None and self.content_length is None and len(data) > limit:
            raise RequestEntityTooLarge()
        return data.decode(errors="replace") if as_text else data


@functools.cache
def schema_instance(schema_class: type[ma.Schema]) -> ma.Schema:
    return schema_class()


class ArgumentsParser(FlaskParser):
    """webargs' parser, reading JSON with `load_json` and saying what was wrong.

    A route declares its arguments with a schema class; webargs would build
    an instance of it for every request (copying every field). One instance
    per class is built once: a schema keeps no state between loads.
    """

    def _get_schema(self, argmap: Any, req: flask.Request) -> ma.Schema:
        if isinstance(argmap, type) and issubclass(argmap, ma.Schema):
            return schema_instance(argmap)
        return super()._get_schema(argmap, req)

    def _raw_load_json(self, req: flask.Request) -> Any:
        if not is_json_request(req):
            return missing
        return load_json(req.get_data(cache=True))

    def _handle_invalid_json_error(self, error, req, *args: Any, **kwargs: Any):
        detail = getattr(error, "detail", INVALID_JSON)
        abort(400, message=detail, messages={"json": [detail]})


class NoCookieSessions(SessionInterface):
    """No cookie sessions: Postwell authenticates with bearer tokens only.

    Flask's default interface builds a signing serializer on every request
    to look for a session cookie nobody sends; `flask.session` is a
    `NullSession` here, which refuses writes.
    """

    def open_session(self, app: flask.Flask, request: flask.Request) -> None:
        return None

    def save_session(self, app: flask.Flask, session: Any, response: flask.Response) -> None:
        return None


def init_app(app: flask.Flask) -> None:
    app.json = JSONProvider(app)
    app.request_class = Request
    app.session_interface = NoCookieSessions()


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = ArgumentsParser()

    def page_response(self, item_schema: type[ma.Schema], **kwargs: Any) -> Callable:
        """`response(200, <Item>Page)` for a view returning a `Page`, with its Link header."""
        respond = self.response(200, page_schema(item_schema), headers=LINK_HEADER, **kwargs)

        def decorator(func: Callable) -> Callable:
            @wraps(func)
            def with_link(*args: Any, **view_kwargs: Any) -> Any:
                page = func(*args, **view_kwargs)
                return page, 200, next_link_header(page)

            return respond(with_link)

        return decorator

    def arguments(
        self, schema: Any, *, location: str = "json", required: bool = True, **kwargs: Any
    ) -> Callable:
        parse = super().arguments(schema, location=location, required=required, **kwargs)
        if location != "json":
            return parse

        def decorator(func: Callable) -> Callable:
            parsed = parse(func)

            # `wraps` also carries flask-smorest's `_apidoc` over to the wrapper.
            @wraps(parsed)
            def wrapper(*args: Any, **view_kwargs: Any) -> Any:
                if request.get_data(cache=True):
                    if not request.is_json:
                        abort(415, message="Send the request body as application/json.")
                elif required:
                    abort(
                        422,
                        message=JSON_BODY_REQUIRED,
                        errors={"json": {"_schema": [JSON_BODY_REQUIRED]}},
                    )
                return parsed(*args, **view_kwargs)

            return wrapper

        return decorator
