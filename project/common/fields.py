"""Marshmallow fields and path rules shared by every plugin.

Names say what each field adds to marshmallow's: `SafeText` and `SafeEmail`
refuse what PostgreSQL cannot store, `StrictBoolean` takes JSON booleans only.
"""

from __future__ import annotations

import marshmallow as ma

# Path ids: PostgreSQL INTEGER range; anything larger cannot exist, so the
# route does not match (404) instead of overflowing in the database (500).
MAX_ID = 2**31 - 1
ID = f"int(min=1, max={MAX_ID})"


# Documents the NUL rule as a JSON Schema pattern (ECMA-262 and Python agree on it).
NO_NUL_PATTERN = r"^[^\x00]*$"


class SafeText(ma.fields.String):
    """A string that PostgreSQL can store: no NUL characters, valid UTF-8."""

    default_error_messages = {
        "nul": "Must not contain NUL characters.",
        "surrogate": "Must not contain unpaired surrogate characters.",
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The spec must say NUL is refused; a field with its own (stricter)
        # Regexp validator is documented by that pattern instead.
        if not any(isinstance(rule, ma.validate.Regexp) for rule in self.validators):
            self.metadata = {"pattern": NO_NUL_PATTERN, **self.metadata}

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise self.make_error("nul")
        # JSON may carry "\ud800"; no database driver can encode it (a 500).
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise self.make_error("surrogate") from exc
        return text


class SafeEmail(ma.fields.Email):
    """An email address without NUL characters, surrounding spaces trimmed."""

    default_error_messages = {"nul": "Must not contain NUL characters."}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and "\x00" in value:
            raise self.make_error("nul")
        return super()._deserialize(value, attr, data, **kwargs).strip()


class StrictBoolean(ma.fields.Boolean):
    """A JSON `true` or `false`, nothing else.

    marshmallow's Boolean also takes 1, 0, "yes", "on", "t"...; the spec says
    `type: boolean`, and a client sending `"is_admin": "no"` must hear 422.
    """

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value
