"""Domain errors: what a rule refused, in the domain's words.

Services raise these; they know nothing of HTTP. `project.errors` maps each
class to its problem+json status in one table, so a CLI command or a worker
can call a service and catch `NotFound` instead of an `HTTPException`.
"""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    """A rule refused the operation; `detail` is written for the client."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(DomainError):
    """The thing does not exist, or the caller may not know that it does."""


class Forbidden(DomainError):
    """The caller is known, and not allowed to do this."""


class Conflict(DomainError):
    """The change contradicts what is stored (e.g. a unique name is taken)."""


class PreconditionFailed(DomainError):
    """The client's precondition (its `If-Match` version) no longer holds: a lost update."""


class AuthenticationRequired(DomainError):
    """The operation needs credentials the caller did not present."""


class InvalidCredentials(AuthenticationRequired):
    """The credentials or token presented are wrong, spent or revoked."""


class InvalidInput(DomainError):
    """An input value passed the schema but not the rule (e.g. a forged cursor).

    `field` names the input and `location` where it came from (`json` for the
    request body, `query` for the query string), so clients see the same
    field-error shape as a schema's 422.
    """

    def __init__(self, field: str, message: str, *, location: str = "json") -> None:
        super().__init__(f"{field}: {message}")
        self.errors: Mapping[str, Mapping[str, list[str]]] = {location: {field: [message]}}
