"""Run-time switches of a sandbox server: paging cap, latency, rate limit, faults, body flavours."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SandboxOptions:
    """How a sandbox server behaves beyond the documented API.

    max_per_page: the largest `per_page` honoured (larger ones are capped; see `meta.per_page`).
    latency_ms: added to every response (asyncio sleep: other requests keep being served).
    rate_limit_per_minute: Laravel-style throttle per token (or per client address); None = off.
    rate_limit_window_seconds: the throttle's fixed window (Laravel's decay; 60 s by default):
        `rate_limit_per_minute` requests per window. Short windows make rate-limit tests quick.
    fail_rate: share of resource requests answered with an injected 500 (0.0-1.0).
    grade_as_string: send `grade` as a string ("8.75"), as Laravel's decimal cast does.
    success_flag: add Gen B's `"success": false` to every error body.
    protected_delete_status: status of a refused delete of a course/cohort/student in use.
    """

    max_per_page: int = 100
    latency_ms: int = 0
    rate_limit_per_minute: int | None = None
    rate_limit_window_seconds: float = 60.0
    fail_rate: float = 0.0
    grade_as_string: bool = False
    success_flag: bool = False
    protected_delete_status: int = 409

    def __post_init__(self) -> None:
        if self.max_per_page < 1:
            raise ValueError("max_per_page must be at least 1")
        if self.latency_ms < 0:
            raise ValueError("latency_ms must not be negative")
        if self.rate_limit_per_minute is not None and self.rate_limit_per_minute < 1:
            raise ValueError("rate_limit_per_minute must be at least 1 (or None for no limit)")
        if not 0.0 < self.rate_limit_window_seconds <= 3600.0:
            raise ValueError("rate_limit_window_seconds must be above 0 and at most 3600")
        if not 0.0 <= self.fail_rate <= 1.0:
            raise ValueError("fail_rate must be between 0 and 1")
        if not 400 <= self.protected_delete_status <= 499:
            raise ValueError("protected_delete_status must be a 4xx status")
