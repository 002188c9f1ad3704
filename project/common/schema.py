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
an ISO `DateTime` of a `datetime` is its `isoformat()`, as marshmallow
writes it. Anything else (another type, a missing attribute and its
`dump_default`, nested, list and viewer fields, subclasses, mappings) goes
through marshmallow's own `Field.serialize`, so the output is marshmallow's
to the byte (`tests/common/test_schema.py` compares both on every cached
route).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, NamedTuple

import marshmallow as ma
from werkzeug.local import LocalProxy

from project.common.viewer import Viewed

ISO_FORMATS = frozenset({"iso", "iso8601"})


class Plan(NamedTuple):
    """How one field is dumped: under `key`, read from `attribute`, kept as is
    when of type `plain` (None: always through `field.serialize`)."""

    key: str
    name: str
    attribute: str
    field: ma.fields.Field
    plain: type | None
    convert: Callable[[Any], Any] | None


def plan_of(name: str, field: ma.fields.Field) -> Plan:
    key = field.data_key if field.data_key is not None else name
    attribute = field.attribute or name
    kind = type(field)
    plain: type | None = None
    convert = None
    if "." in attribute:
        pass
    elif kind is ma.fields.String:
        plain = str
    elif kind is ma.fields.Integer and not field.as_string:
        plain = int
    elif kind is ma.fields.Boolean:
        plain = bool
    elif (
        kind in (ma.fields.DateTime, ma.fields.AwareDateTime)
        and (field.format or field.DEFAULT_FORMAT) in ISO_FORMATS
    ):
        plain, convert = dt.datetime, dt.datetime.isoformat
    return Plan(key, name, attribute, field, plain, convert)


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
        result = self.dict_class()
        for key, name, attribute, field, plain, convert in plans:
            if plain is not None:
                value = getattr(source, attribute, missing)
                if value is None:
                    result[key] = None
                    continue
                if type(value) is plain:
                    result[key] = value if convert is None else convert(value)
                    continue
            value = field.serialize(name, obj, accessor=self.get_attribute)
            if value is not missing:
                result[key] = value
        return result
