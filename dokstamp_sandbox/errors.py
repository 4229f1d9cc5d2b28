"""The sandbox's API errors: each one knows its status and its Laravel-style body."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class ApiError(Exception):
    """An error answered to the client with `status` and a JSON body."""

    status = 500

    def __init__(self, message: str, *, extra: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = dict(extra or {})

    def body(self, *, success_flag: bool) -> dict[str, Any]:
        """The JSON body; Gen B of the docs puts `"success": false` in every error."""
        head: dict[str, Any] = {"success": False} if success_flag else {}
        return {**head, **self.extra, "message": self.message}


class MalformedRequest(ApiError):
    status = 400


class Unauthenticated(ApiError):
    status = 401

    def __init__(self, message: str = "Unauthenticated.", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)


class Forbidden(ApiError):
    status = 403

    def __init__(self, message: str = "This action is unauthorized.") -> None:
        super().__init__(message)


class NotFound(ApiError):
    status = 404

    def __init__(self, *, model: str = "", uuid: str = "") -> None:
        # Gen A's body names the model; Gen B's says "Resource not found." (see body()).
        detail = f"No query results for model [App\\Models\\{model}] {uuid}".rstrip()
        super().__init__(detail if model else "Not Found")
        self.model = model

    def body(self, *, success_flag: bool) -> dict[str, Any]:
        if success_flag:
            return {"success": False, "message": "Resource not found."}
        return {"message": self.message}


class MethodNotAllowed(ApiError):
    status = 405


class Conflict(ApiError):
    """A refused delete of a row other rows depend on (status configurable, 409 by default)."""

    status = 409

    def __init__(self, message: str, *, status: int = 409) -> None:
        super().__init__(message)
        self.status = status


class ValidationFailed(ApiError):
    status = 422

    def __init__(self, errors: Mapping[str, Sequence[str]]) -> None:
        super().__init__("The given data was invalid.")
        self.errors = {field: list(messages) for field, messages in errors.items()}

    def body(self, *, success_flag: bool) -> dict[str, Any]:
        return {**super().body(success_flag=success_flag), "errors": self.errors}


class TooManyRequests(ApiError):
    status = 429

    def __init__(self) -> None:
        super().__init__("Too Many Attempts.")


class ServerError(ApiError):
    status = 500

    def __init__(self) -> None:
        super().__init__("Server Error")
