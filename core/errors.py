"""Domain errors. Services raise these; views show them on the page, the API maps them to 4xx."""


class ApplicationError(Exception):
    """A refusal the user can act on. `field` ties the message to a form field."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra or {}


class NotFound(ApplicationError):
    """Missing, or not visible to the acting agency: both look the same (404)."""

    status_code = 404
    code = "not_found"


class Forbidden(ApplicationError):
    """Visible, but the user's role may not do this (403)."""

    status_code = 403
    code = "permission_denied"


class ConsentRequired(ApplicationError):
    """The action needs a data-sharing consent that is missing (409)."""

    status_code = 409
    code = "consent_required"


class Conflict(ApplicationError):
    """Stale version or a state that has moved on (409)."""

    status_code = 409
    code = "conflict"
