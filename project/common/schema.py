"""The base of Postwell's response schemas: marshmallow's `Schema`, dumping plain values directly.

marshmallow reads every field of every object with `utils.get_value`, which
first asks whether the object supports `obj[key]` (`hasattr(obj,
"__getitem__")`). On a `Viewed` item (`project.common.viewer`) that question
goes through `__getattr__` to the wrapped model and fails with an exception,
for each field of each item: a quarter of the time of dumping a page of
posts. An object whose type has no `__getitem__` is read with `getattr`
here, which is what `get_value` does for it anyway; mappings, sequences and
dotted `attribute=` paths still go through `get_value`. A `Viewed` item's own
attributes are read from the item it wraps (its viewer fields read `extras`
themselves): through the wrapper, each read would first fail the normal
lookup, an exception per field before `__getattr__` forwards it. Likewise a
proxy (`current_user`) is read through its target.

Dumping, each field costs marshmallow four or five Python calls
(`serialize`, `get_value`, the accessor, `_serialize`) even when the value
is already what the field would return: a string for a `String`, an int for
an `Integer`, a bool for a `Boolean`. `_serialize` below reads such a field's
attribute itself and keeps a value of exactly that type (or None) as it is;
an ISO `DateTime` of a `datetime` is its `isoformat()` (a UTC one by orjson,
to the same characters), and a `List` of `String`s a new list of the
strings, as marshmallow writes them. A `Nested` field of another of these
schemas (one object, no dump hooks) is that schema's `_serialize` of the
value, and a viewer field's value is read from the item's `extras` (not
shown when absent, like marshmallow's `missing`). A loaded attribute of a
SQLAlchemy object is read from the object's `__dict__`, where its descriptor
would find it first (`populated_attributes`); anything not loaded goes
through the descriptor, which loads it. Anything else (another type, a
missing attribute and its `dump_default`, dotted attributes, other fields,
subclasses, mappings) goes through marshmallow's own `Field.serialize`, so
the output is marshmallow's to the byte (`tests/common/test_schema.py`
compares both on every cached route and for odd values field by field).
A page of 20 posts: 314 us through this module's first version (plain
fields only), 110-150 us now, marshmallow's own 460-500 us.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cache
from typing import Any, NamedTuple

import marshmallow as ma
import orjson
from marshmallow.decorators import POST_DUMP, PRE_DUMP
from sqlalchemy import inspect
from sqlalchemy.orm import Mapper
from werkzeug.local import LocalProxy

from project.common.viewer import Viewed, viewer_field_class

ISO_FORMATS = frozenset({"iso", "iso8601"})


# How a field is dumped (`Plan.how`).
PLAIN = 0  # read the attribute; kept as is when of type `plain` (or None)
NESTED = 1  # another of these schemas, one object: its own `_serialize`
VIEWER = 2  # a viewer field (`project.common.viewer`): read from `Viewed.extras`
FIELD = 3  # always through `field.serialize`


class Plan(NamedTuple):
    """How one field is dumped: under `key`, read from `attribute` (`name` for
    a viewer field); `plain`, `convert`: the type kept as it is and how (None:
    as is); `nested`: a NESTED field's schema."""

    how: int
    key: str
    name: str
    attribute: str
    field: ma.fields.Field
    plain: type | None
    convert: Callable[[Any], Any] | None
    nested: Schema | None


def plain_type(kind: type[ma.fields.Field], field: ma.fields.Field) -> tuple[type | None, Any]:
    """The type of value a field of class `kind` writes unchanged (None: no such
    type), and how it writes it (None: as it is)."""
    if kind is ma.fields.String:
        return str, None
    if kind is ma.fields.Integer and not field.as_string:
        return int, None
    if kind is ma.fields.Boolean:
        return bool, None
    if (
        kind in (ma.fields.DateTime, ma.fields.AwareDateTime)
        and (field.format or field.DEFAULT_FORMAT) in ISO_FORMATS
    ):
        return dt.datetime, isoformat
    if kind is ma.fields.List and type(field.inner) is ma.fields.String:
        return list, _string_list
    return None, None


def isoformat(value: dt.datetime) -> str:
    """`value.isoformat()`; a UTC time (every stored one) by orjson, in a
    third of the time, to the same characters."""
    if value.tzinfo is dt.UTC:
        return orjson.dumps(value)[1:-1].decode()
    return value.isoformat()


@cache
def populated_attributes(cls: type) -> frozenset[str]:
    """The mapped attributes of `cls` whose loaded value is the instance's
    `__dict__` entry (what SQLAlchemy's attribute returns first): read there,
    without a descriptor call. Empty for a class SQLAlchemy does not map."""
    mapper = inspect(cls, raiseerr=False)
    if not isinstance(mapper, Mapper):
        return frozenset()
    return frozenset(
        key
        for key, attribute in mapper.class_manager.items()
        if attribute.impl.supports_population and getattr(cls, key, None) is attribute
    )


def _string_list(value: list[Any]) -> list[Any]:
    """A list of strings as `List(String())` writes it (a new list; anything
    but a `str` through the field, which writes `str(value)`)."""
    return [each if type(each) is str else _STRING._serialize(each, None, None) for each in value]


_STRING = ma.fields.String()


def plan_of(name: str, field: ma.fields.Field) -> Plan:
    key = field.data_key if field.data_key is not None else name
    attribute = field.attribute or name
    viewer_class = viewer_field_class(field)
    plain, convert = plain_type(viewer_class or type(field), field)
    nested = None
    if viewer_class is not None:
        how = VIEWER if field.dump_default is ma.missing else FIELD
    elif "." in attribute:
        how = FIELD
    elif plain is not None:
        how = PLAIN
    elif type(field) is ma.fields.Nested and not field.many and _dumps_directly(field.schema):
        how, nested = NESTED, field.schema
    else:
        how = FIELD
    return Plan(how, key, name, attribute, field, plain, convert, nested)


def _dumps_directly(schema: ma.Schema) -> bool:
    """Whether `schema.dump(obj)` is `schema._serialize(obj)`: one of these, one
    object, no dump hooks."""
    return (
        isinstance(schema, Schema)
        and not schema.many
        and not schema._hooks[PRE_DUMP]
        and not schema._hooks[POST_DUMP]
    )


def underlying(obj: Any) -> Any:
    """The object whose attributes are shown: a `Viewed` item's own, a proxy's
    target (`current_user`: a proxy answers `obj[key]`, so marshmallow would
    try that first on every field and fail)."""
    if type(obj) is Viewed:
        obj = obj.item
    while isinstance(obj, LocalProxy):  # flask-jwt-extended's, around Postwell's TokenUser
        obj = obj._get_current_object()
    return obj


class Schema(ma.Schema):
    # Off in the test that compares this dump with marshmallow's own.
    DIRECT_DUMP = True

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        obj = underlying(obj)
        if "." in attr or hasattr(type(obj), "__getitem__"):
            return ma.utils.get_value(obj, attr, default)
        return getattr(obj, attr, default)

    def _serialize(self, obj: Any, *, many: bool = False) -> Any:
        if many and obj is not None:
            return [self._serialize(item) for item in obj]
        source = underlying(obj)
        if not self.DIRECT_DUMP or hasattr(type(source), "__getitem__"):
            return super()._serialize(obj)
        plans = self.__dict__.get("_plans")
        if plans is None:
            plans = self._plans = [plan_of(n, f) for n, f in self.dump_fields.items()]
        missing = ma.missing
        extras = obj.extras if type(obj) is Viewed else None
        populated = populated_attributes(type(source))
        loaded = source.__dict__ if populated else None
        result = self.dict_class()
        for how, key, name, attribute, field, plain, convert, nested in plans:
            if how == FIELD:
                value = field.serialize(name, obj, accessor=self.get_attribute)
                if value is not missing:
                    result[key] = value
                continue
            if how == VIEWER:
                value = missing if extras is None else extras.get(name, missing)
                if value is missing:  # and no dump_default (else FIELD): not shown
                    continue
            elif attribute in populated and attribute in loaded:
                value = loaded[attribute]
            else:
                value = getattr(source, attribute, missing)
            if value is None and (plain is not None or nested is not None):
                result[key] = None
            elif plain is not None and type(value) is plain:
                result[key] = value if convert is None else convert(value)
            elif nested is not None and value is not missing:
                result[key] = nested._serialize(value)
            elif how == VIEWER:
                result[key] = field._serialize(value, name, obj)
            else:  # another type, or missing: marshmallow's way, dump_default included
                value = field.serialize(name, obj, accessor=self.get_attribute)
                if value is not missing:
                    result[key] = value
        return result
