"""The base of Postwell's response schemas: marshmallow's `Schema`, reading attributes directly.

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
lookup, an exception per field before `__getattr__` forwards it.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from project.common.viewer import Viewed


class Schema(ma.Schema):
    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        if type(obj) is Viewed:
            obj = obj.item
        if "." in attr or hasattr(type(obj), "__getitem__"):
            return ma.utils.get_value(obj, attr, default)
        return getattr(obj, attr, default)
