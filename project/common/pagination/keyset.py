"""Keysets: the columns that order a collection, and the page query over them.

A `Keyset` is a tuple of columns ending in a unique one (the id), read in one
direction: `Keyset(Post.created_at, Post.id)` pages newest first,
`Keyset(Comment.created_at, Comment.id, ascending=True)` oldest first, and
`Keyset(User.post_count, User.id)` most prolific first. The page after a
cursor is `WHERE (a, b) < (:a, :b) ORDER BY a DESC, b DESC LIMIT n + 1`: an
index range scan whatever the depth, and rows inserted meanwhile never shift
later pages.

A hot collection builds its page statement once per shape (`Keyset.page`,
with the cursor's values as bind parameters) and runs it with
`paginate_bound`: SQLAlchemy keeps a statement's cache key on the statement
object, so a reused one is not walked again on every request (for a page of
posts, a fifth of the Python time of its query).

The limit is written into the SQL at execution (`literal_execute`), not sent
as a parameter: psycopg prepares a statement run five times on a connection,
and PostgreSQL then keeps one generic plan for it, unless that plan looks
worse than the ones it made for each run's values. A `LIMIT $n` of unknown
size on a large table always did, so every page was planned again (0.3 ms of
the server's CPU, more than running it); with `LIMIT 21` the plan is kept.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Integer, Select, bindparam, tuple_
from sqlalchemy.orm import InstrumentedAttribute, Session

from project.common.fields import MAX_ID
from project.common.pagination import cursor

T = TypeVar("T")
# The bind parameters of a statement built by `Keyset.page`.
LIMIT_PARAMETER = "page_limit"
AFTER_PARAMETER = "page_after_{}"


def _parse_datetime(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError("not a timestamp")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None or "T" not in value:
        raise ValueError("not an aware timestamp")
    try:
        return parsed.astimezone(UTC)
    except OverflowError as exc:  # year 1 at +14:00 falls before year 1 in UTC
        raise ValueError("timestamp out of range") from exc


def _int_parser(minimum: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= MAX_ID:
            raise ValueError("not an integer in range")
        return value

    return parse


def _parse_float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError("not a finite number")
    return float(value)


def _parse_str(value: Any) -> str:
    if not isinstance(value, str) or "\x00" in value:
        raise ValueError("not a string")
    return value


def _parser_for(column: InstrumentedAttribute) -> Callable[[Any], Any]:
    python_type = column.type.python_type
    if python_type is datetime:
        return _parse_datetime
    if python_type is int:
        # Ids start at 1; counts and ranks may be 0.
        return _int_parser(1 if column.primary_key else 0)
    if python_type is float:
        return _parse_float
    return _parse_str


def _json_value(value: Any) -> cursor.Scalar:
    return value.isoformat() if isinstance(value, datetime) else value


class Keyset:
    """The order of a collection; the last column must be unique."""

    def __init__(self, *columns: InstrumentedAttribute, ascending: bool = False) -> None:
        self.columns = columns
        self.ascending = ascending
        self._parsers = [_parser_for(column) for column in columns]

    def cursor_after(self, row: Any) -> str:
        """The token for the page that follows `row`."""
        return cursor.encode([_json_value(getattr(row, column.key)) for column in self.columns])

    def parse(self, token: str) -> tuple[Any, ...]:
        """The key values of a client-supplied token; ValueError if it is not one of ours."""
        raw = cursor.decode(token, length=len(self.columns))
        try:
            return tuple(parse(value) for parse, value in zip(self._parsers, raw, strict=True))
        except (TypeError, ValueError) as exc:
            raise ValueError("cursor is not one this API issued") from exc

    def after(self, stmt: Select, values: tuple[Any, ...] | None) -> Select:
        """`stmt` restricted to the rows after `values`, in this keyset's order."""
        return self._ordered(self.beyond(stmt, values))

    def beyond(self, stmt: Select, values: tuple[Any, ...] | None) -> Select:
        """`stmt` restricted to the rows after `values` (None: all of them), in no order."""
        return stmt if values is None else stmt.where(self._beyond(values))

    def ordering(self, columns: Sequence[ColumnElement[Any]] | None = None) -> list[Any]:
        """ORDER BY clauses reading this keyset's order; `columns`: the same keys
        elsewhere (a subquery's columns), in the same order."""
        return [
            column.asc() if self.ascending else column.desc()
            for column in (self.columns if columns is None else columns)
        ]

    def page(self, stmt: Select, *, after: bool) -> Select:
        """`stmt` as the statement of a page, the values after which it starts
        bound (when `after`) and the limit written in at execution (see the module
        docstring). Build it once, run it with `paginate_bound`."""
        if after:
            bound = [
                bindparam(AFTER_PARAMETER.format(index), type_=column.type)
                for index, column in enumerate(self.columns)
            ]
            stmt = stmt.where(self._beyond(tuple_(*bound)))
        return self._ordered(stmt).limit(
            bindparam(LIMIT_PARAMETER, type_=Integer, literal_execute=True)
        )

    def _beyond(self, values: tuple[Any, ...] | ColumnElement[Any]) -> ColumnElement[bool]:
        """The rows after `values` (a tuple of values, or of bind parameters)."""
        key = tuple_(*self.columns)
        return key > values if self.ascending else key < values

    def _ordered(self, stmt: Select) -> Select:
        return stmt.order_by(*self.ordering())


@dataclass(frozen=True)
class PageRequest:
    """What a client asked for: a keyset, where to start (None: the top), how many."""

    keyset: Keyset
    after: tuple[Any, ...] | None
    limit: int


@dataclass
class Page(Generic[T]):
    items: Sequence[T]
    next_cursor: str | None


def paginate(session: Session, stmt: Select, page: PageRequest) -> Page[Any]:
    """Run `stmt` for one page and say where the next one starts."""
    return paginate_bound(session, page.keyset.page(stmt, after=page.after is not None), page, {})


def paginate_bound(
    session: Session, stmt: Select, page: PageRequest, parameters: dict[str, Any]
) -> Page[Any]:
    """Run a statement built by `page.keyset.page(..., after=page.after is not None)`
    with `parameters` (its own bind parameters) for one page."""
    return page_of(list(session.scalars(stmt, page_parameters(page, parameters))), page)


def page_parameters(page: PageRequest, parameters: dict[str, Any]) -> dict[str, Any]:
    """`parameters` and the page's own, for a statement built by `Keyset.page`:
    one row more than the limit (is there a next page?), the values to start after."""
    parameters = {**parameters, LIMIT_PARAMETER: page.limit + 1}
    for index, value in enumerate(page.after or ()):
        parameters[AFTER_PARAMETER.format(index)] = value
    return parameters


def page_of(rows: list[Any], page: PageRequest) -> Page[Any]:
    """The page of `rows`, the result of a statement run with `page_parameters`."""
    if len(rows) <= page.limit:
        return Page(rows, None)
    rows = rows[: page.limit]
    return Page(rows, page.keyset.cursor_after(rows[-1]))
