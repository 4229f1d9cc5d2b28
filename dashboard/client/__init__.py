"""The DokStamp REST client: settings-driven, typed errors, retries, pacing, concurrent paging.

Everything public is listed in ``__all__``; the ``_``-modules behind it are private.
"""

from dashboard.client._client import DokStampClient, ListingProgress
from dashboard.client._config import ClientSettings
from dashboard.client._credentials import (
    ClientCredentials,
    Credentials,
    PasswordLogin,
    Secret,
    StaticToken,
)
from dashboard.client._exceptions import (
    AuthenticationError,
    ClientInterrupted,
    ConfigurationError,
    DokStampError,
    IncompleteSyncError,
    NetworkError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    ValidationError,
)
from dashboard.client._models import SyncStats, parse_grade, parse_timestamp
from dashboard.client._pagination import HeldPages, ListingShape, PageSink

__all__ = [
    "AuthenticationError",
    "ClientCredentials",
    "ClientInterrupted",
    "ClientSettings",
    "ConfigurationError",
    "Credentials",
    "DokStampClient",
    "DokStampError",
    "HeldPages",
    "IncompleteSyncError",
    "ListingProgress",
    "ListingShape",
    "NetworkError",
    "NotFoundError",
    "PageSink",
    "PasswordLogin",
    "PermissionDeniedError",
    "RateLimitedError",
    "Secret",
    "ServerError",
    "StaticToken",
    "SyncStats",
    "ValidationError",
    "parse_grade",
    "parse_timestamp",
]

# Show the public path in tracebacks and reprs, as httpx does.
for _name in __all__:
    _obj = globals()[_name]
    if getattr(_obj, "__module__", "").startswith("dashboard.client._"):
        _obj.__module__ = __name__
del _name, _obj
