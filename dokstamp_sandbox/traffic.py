"""Traffic shaping for tests and benchmarks: latency, a Laravel-style throttle, injected 500s."""

from __future__ import annotations

import asyncio
import math
import random
import threading
import time
from collections.abc import Callable
from typing import Any

import orjson

from dokstamp_sandbox.errors import ServerError, TooManyRequests
from dokstamp_sandbox.options import SandboxOptions

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Any]
Send = Callable[[Message], Any]
Asgi = Callable[[Scope, Receive, Send], Any]

WINDOW_SECONDS = 60.0
# Documentation routes are never throttled, delayed or failed; auth routes are throttled but
# never failed, so a test of retries on 5xx is not also a test of token errors.
_UNTOUCHED = ("/openapi.json", "/docs", "/redoc")
_NEVER_FAILED = ("/oauth/", "/auth/")


class RateLimiter:
    """Laravel's throttle: `limit` hits per key per window, the window starting at the first hit."""

    def __init__(
        self,
        limit: int,
        *,
        window_seconds: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self.throttled = 0  # 429s answered, all keys (tests and benchmarks read it)
        self._clock = clock
        self._windows: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> tuple[bool, int, float]:
        """Count one attempt: (allowed, remaining, seconds until the window resets)."""
        now = self._clock()
        with self._lock:
            started, count = self._windows.get(key, (now, 0))
            if now - started >= self.window_seconds:
                started, count = now, 0
            allowed = count < self.limit
            if allowed:
                count += 1
            else:
                self.throttled += 1
            self._windows[key] = (started, count)
        return allowed, max(0, self.limit - count), self.window_seconds - (now - started)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


class TrafficMiddleware:
    """ASGI middleware applying SandboxOptions' latency, rate limit and fail rate."""

    def __init__(
        self, app: Asgi, *, options: SandboxOptions, rng: random.Random | None = None
    ) -> None:
        self.app = app
        self.options = options
        self.rng = rng or random.Random()
        self.limiter = (
            RateLimiter(
                options.rate_limit_per_minute, window_seconds=options.rate_limit_window_seconds
            )
            if options.rate_limit_per_minute is not None
            else None
        )

    async def _reply(
        self, send: Send, status: int, body: dict[str, Any], headers: list[Any]
    ) -> None:
        content = orjson.dumps(body)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(content)).encode()),
                    *headers,
                ],
            }
        )
        await send({"type": "http.response.body", "body": content})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path.startswith(_UNTOUCHED):
            await self.app(scope, receive, send)
            return
        if self.options.latency_ms:
            await asyncio.sleep(self.options.latency_ms / 1000)
        extra: list[tuple[bytes, bytes]] = []
        if self.limiter is not None:
            authorization = _header(scope, b"authorization")
            client = scope.get("client") or ("unknown", 0)
            key = authorization or f"ip:{client[0]}"
            allowed, remaining, reset_in = self.limiter.hit(key)
            extra = [
                (b"x-ratelimit-limit", str(self.limiter.limit).encode()),
                (b"x-ratelimit-remaining", str(remaining).encode()),
            ]
            if not allowed:
                retry_after = max(1, math.ceil(reset_in))
                extra += [
                    (b"retry-after", str(retry_after).encode()),
                    (b"x-ratelimit-reset", str(int(time.time()) + retry_after).encode()),
                ]
                limited = TooManyRequests()
                body = limited.body(success_flag=self.options.success_flag)
                await self._reply(send, limited.status, body, extra)
                return
        if (
            self.options.fail_rate > 0
            and not path.startswith(_NEVER_FAILED)
            and self.rng.random() < self.options.fail_rate
        ):
            error = ServerError()
            body = error.body(success_flag=self.options.success_flag)
            await self._reply(send, error.status, body, extra)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start" and extra:
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
