"""Marshmallow fields and path rules shared by every plugin."""

from __future__ import annotations

import marshmallow as ma

# Path ids: PostgreSQL INTEGER range; anything larger cannot exist, so the
# route does not match (404) instead of overflowing in the database (500).
MAX_ID = 2**31 - 1
ID = f"int(min=1, max={MAX_ID})"


class Text(ma.fields.String):
    """A string that PostgreSQL can store: no NUL characters."""

    default_error_messages = {"nul": "Must not contain NUL characters."}

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise self.make_error("nul")
        return text


class Email(ma.fields.Email):
    default_error_messages = {"nul": "Must not contain NUL characters."}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and "\x00" in value:
            raise self.make_error("nul")
        return super()._deserialize(value, attr, data, **kwargs).strip()
