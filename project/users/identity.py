"""How usernames and emails are compared: one normaliser, computed in Python.

Python's `lower()` and PostgreSQL's `lower()` (and SQLite's, ASCII-only)
disagree outside ASCII: `İx@example.com` was stored under one key and looked
up under another. Every comparison (uniqueness, login, `?author=`, `?q=`)
goes through `identity_key` instead, and the results are stored in
`users.username_key` / `users.email_key`, which carry the UNIQUE indexes, so
both backends compare exactly the same strings.

The key is NFKC case folding: compatibility forms folded (fullwidth `Ａ` is
`a`), then `casefold()` (`ß` is `ss`, `İ` is `i̇`), then NFKC again since
folding can leave text unnormalised.
"""

from __future__ import annotations

import unicodedata

# The widest a key may be stored (emails are at most 254 characters as sent).
MAX_KEY_LENGTH = 254


def identity_key(value: str) -> str:
    """The form two usernames (or two emails) are equal in."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", value).casefold())
