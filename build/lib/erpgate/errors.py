"""One error base with a stable code and an HTTP status; one handler renders it as JSON or a page."""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    """An expected failure: rendered as a 4xx (or 503) with a stable ``code``, never a 500."""

    status_code: int = 400
    code: str = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status_code: int | None = None,
        fields: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status_code is not None:
            self.status_code = status_code
        self.fields = fields or {}
        self.extra = extra or {}

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        body.update(self.extra)
        return body


class NotFound(AppError):
    status_code = 404
    code = "not_found"


class Unauthorized(AppError):
    status_code = 401
    code = "unauthorized"


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"


class Conflict(AppError):
    status_code = 409
    code = "conflict"


class ValidationFailed(AppError):
    status_code = 422
    code = "validation_failed"


class TooManyRequests(AppError):
    status_code = 429
    code = "too_many_requests"


class ErpUnavailable(AppError):
    """What a buyer gets when the ERP failed: a calm message and the reference code, nothing else."""

    status_code = 503
    code = "erp_unavailable"

    def __init__(self, reference: str) -> None:
        super().__init__(
            "This information is not available right now. Please try again in a few minutes.",
            extra={"reference": reference},
        )
        self.reference = reference

    def to_json(self) -> dict[str, Any]:
        return {"error": self.code, "reference": self.reference}
