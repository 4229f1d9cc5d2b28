"""Download links checked on the server: with sign-in, a ``/media`` file goes to its maker only.

Streamlit serves every ``st.download_button`` file (and any image, audio or video) at
``/media/<id>`` to whoever asks, without reading the sign-in cookie, and the id is a hash of the
file's content. With ``[auth]`` configured, ``install()`` puts two things in place before the
server starts:

- a record of who made each file: the files a page run adds, and the files a deferred download
  button builds when clicked, are noted with the identity (provider and subject) of the session's
  signed-in user;
- a check in front of every ``/media`` request: it must carry Streamlit's own identity cookie
  (``_streamlit_user``, signed with ``[auth] cookie_secret``, read and verified the way
  Streamlit's websocket handler reads it), the user must still be named by an ``[access]`` rule,
  and the file must have been made in a session of that same user. A request without a valid
  sign-in gets 403; a file made for someone else gets 404, as if it did not exist (the same bytes
  made in the requester's own session are theirs too: a viewer and an editor who build the same
  aggregate CSV share its id).

Without ``[auth]`` nothing is checked (local use, ``--allow-anonymous``). The hooks wrap three
``MediaFileManager`` methods and Streamlit's middleware list; ``install()`` refuses to run (and
the app then refuses signed-in use, see ``dashboard.app.signin``) when those are not where it
expects them, so an upgrade of Streamlit cannot silently open the downloads again.
"""

from __future__ import annotations

import functools
import json
import logging
import posixpath
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any, Final

from starlette.middleware import Middleware
from starlette.requests import HTTPConnection
from streamlit import config
from streamlit.auth_util import get_cookie_with_chunks
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx
from streamlit.web.server.server_util import get_cookie_secret
from streamlit.web.server.starlette import starlette_app
from streamlit.web.server.starlette.starlette_app_utils import decode_signed_value

from dashboard.access import AccessConfigError
from dashboard.app.signin_config import access_rules, auth_configured, secrets_tables

__all__ = [
    "DEFERRED_KEPT",
    "OWNERS",
    "MediaGuard",
    "MediaOwners",
    "identity_of",
    "install",
    "installed",
    "signed_in_user",
]

logger = logging.getLogger("dashboard.app")

USER_COOKIE: Final = "_streamlit_user"  # Streamlit's signed identity cookie (st.login sets it)
_NOT_SIGNED_IN: Final = b"Sign in to the dashboard to download this file."
_NOT_FOUND: Final = b"File not found."
DEFERRED_KEPT: Final = 20_000  # deferred download buttons remembered (each page run draws new)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def identity_of(user: Mapping[str, Any]) -> str | None:
    """Who a signed-in user is, across sessions: their provider and ID-token subject.

    ``user`` is ``st.user``'s mapping (a session's) or the identity cookie's payload (a
    request's): both come from the same cookie. None when not signed in.
    """
    if user.get("is_logged_in") is not True:
        return None
    subject = user.get("sub") or user.get("email")
    if not isinstance(subject, str) or not subject:
        return None
    provider = user.get("provider")
    return f"{provider if isinstance(provider, str) else ''}|{subject}"


def signed_in_user(cookies: Mapping[str, str], secret: str) -> dict[str, Any] | None:
    """The payload of a valid identity cookie among ``cookies``; None when absent or forged.

    As Streamlit's websocket handler does: the cookie (or its chunks) is verified with
    ``secret`` (itsdangerous, the cookie name as salt, Streamlit's maximum age) and read as JSON.
    """

    def one_cookie(name: str) -> bytes | None:
        raw = cookies.get(name)
        if raw is None:
            return None
        # HTTP cookies are latin-1: this gives back the bytes that were signed.
        return decode_signed_value(secret, name, raw.encode("latin-1"))

    try:
        decoded = get_cookie_with_chunks(one_cookie, USER_COOKIE)
        payload = json.loads(decoded) if decoded else None
    except (UnicodeDecodeError, UnicodeEncodeError, ValueError):
        return None
    return payload if isinstance(payload, dict) else None


class MediaOwners:
    """Which users made each media file (thread-safe; the ids Streamlit's storage gives)."""

    def __init__(self, *, deferred_kept: int = DEFERRED_KEPT) -> None:
        self._owners: dict[str, set[str]] = {}
        # A deferred button's placeholder id -> its maker; each page run draws new placeholders,
        # so only the newest are kept (a click on a button drawn long ago gets no file).
        self._deferred: OrderedDict[str, str] = OrderedDict()
        self._deferred_kept = deferred_kept
        self._lock = threading.Lock()
        self._prune_at = 256

    def made(self, file_id: str, identity: str, *, alive: Callable[[str], bool]) -> None:
        """Note that ``identity`` made (or was served) file ``file_id``.

        ``alive`` says whether the storage still holds a file; notes of dropped files are
        pruned as the record grows (amortised: when it has doubled since the last pruning).
        """
        with self._lock:
            self._owners.setdefault(file_id, set()).add(identity)
            if len(self._owners) >= self._prune_at:
                self._owners = {k: v for k, v in self._owners.items() if alive(k)}
                self._prune_at = max(256, 2 * len(self._owners))

    def deferred(self, placeholder: str, identity: str) -> None:
        """Note that ``identity``'s page run drew a deferred download with this placeholder."""
        with self._lock:
            self._deferred[placeholder] = identity
            while len(self._deferred) > self._deferred_kept:
                self._deferred.popitem(last=False)

    def maker_of_deferred(self, placeholder: str) -> str | None:
        with self._lock:
            return self._deferred.get(placeholder)

    def may_read(self, file_id: str, identity: str) -> bool:
        with self._lock:
            return identity in self._owners.get(file_id, ())


OWNERS: Final = MediaOwners()  # the server process's one record (its sessions share a storage)


def _file_id(url: str) -> str:
    """The storage id in a media URL (``/media/<id>.csv`` -> ``<id>``)."""
    return posixpath.splitext(posixpath.basename(url))[0]


def _session_identity() -> str | None:
    """The identity of the user whose page run calls this (None outside a run or signed out)."""
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None:
        return None
    return identity_of(ctx.user_info)


def _media_prefix() -> str:
    base = str(config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}/media/" if base else "/media/"


def _guard_enabled() -> bool:
    return auth_configured()


def _has_access(user: Mapping[str, Any]) -> bool:
    """Whether an ``[access]`` rule still names this user (roles may change under a cookie)."""
    try:
        rules = access_rules(secrets_tables())
    except AccessConfigError:
        return False  # a broken table lets no one in, downloads included
    return rules.access_for(user) is not None


class MediaGuard:
    """ASGI middleware: ``/media`` requests answered only for the user who made the file.

    Parameters
    ----------
    app
        The application behind it (Streamlit's).
    owners
        Who made which file.
    enabled
        Whether to check at all (sign-in configured); asked on every media request.
    secret
        The cookie secret the identity cookie is signed with.
    has_access
        Whether a signed-in user (the cookie's payload) may use the dashboard at all.
    prefix
        The media route's path prefix (``/media/``, or under ``server.baseUrlPath``).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        owners: MediaOwners | None = None,
        enabled: Callable[[], bool] = _guard_enabled,
        secret: Callable[[], str] | None = None,
        has_access: Callable[[Mapping[str, Any]], bool] = _has_access,
        prefix: Callable[[], str] = _media_prefix,
    ) -> None:
        self._app = app
        self._owners = OWNERS if owners is None else owners
        self._enabled = enabled
        self._secret = secret or _cookie_secret
        self._has_access = has_access
        self._prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope.get("method") == "OPTIONS"  # CORS preflight: no content
            or not str(scope.get("path", "")).startswith(self._prefix())
            or not self._enabled()
        ):
            await self._app(scope, receive, send)
            return
        refusal = self._refusal(scope)
        if refusal is None:
            await self._app(scope, receive, send)
            return
        status, body = refusal
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                    (b"cache-control", b"no-store"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def _refusal(self, scope: Scope) -> tuple[int, bytes] | None:

        user = signed_in_user(HTTPConnection(scope).cookies, self._secret())
        identity = None if user is None else identity_of(user)
        if user is None or identity is None or not self._has_access(user):
            return 403, _NOT_SIGNED_IN
        file_id = _file_id(str(scope["path"]))
        if not self._owners.may_read(file_id, identity):
            logger.warning("refused a download of another user's file to %s", identity)
            return 404, _NOT_FOUND
        return None


def _cookie_secret() -> str:
    return get_cookie_secret()


_installed = threading.Event()


def installed() -> bool:
    """Whether this process serves ``/media`` through the guard (``install()`` ran)."""
    return _installed.is_set()


def install(owners: MediaOwners | None = None) -> None:
    """Record who makes each media file and check ``/media`` requests; once per process.

    Call before the Streamlit server starts (``dashboard.app.server`` does). Raises
    ``RuntimeError`` when this Streamlit version lacks the methods it wraps.
    """
    if _installed.is_set():
        return
    record = OWNERS if owners is None else owners
    needed = ("add", "add_deferred", "execute_deferred", "read_file")
    missing = [name for name in needed if not callable(getattr(MediaFileManager, name, None))]
    if missing or not callable(getattr(starlette_app, "create_streamlit_middleware", None)):
        raise RuntimeError(
            "this Streamlit version does not have the media hooks the download check needs "
            f"(missing: {', '.join(missing) or 'create_streamlit_middleware'})"
        )

    add = MediaFileManager.add
    add_deferred = MediaFileManager.add_deferred
    execute_deferred = MediaFileManager.execute_deferred

    def alive_in(manager: MediaFileManager) -> Callable[[str], bool]:
        return lambda file_id: manager.read_file(file_id) is not None

    @functools.wraps(add)
    def add_noted(self: MediaFileManager, *args: Any, **kwargs: Any) -> str:
        url = add(self, *args, **kwargs)
        identity = _session_identity()
        if identity is not None:
            record.made(_file_id(url), identity, alive=alive_in(self))
        return url

    @functools.wraps(add_deferred)
    def add_deferred_noted(self: MediaFileManager, *args: Any, **kwargs: Any) -> str:
        placeholder = add_deferred(self, *args, **kwargs)
        identity = _session_identity()
        if identity is not None:
            record.deferred(placeholder, identity)
        return placeholder

    @functools.wraps(execute_deferred)
    def execute_deferred_noted(self: MediaFileManager, file_id: str) -> str:
        url = execute_deferred(self, file_id)
        # Runs outside the page run (the button's click): its maker was noted when it was drawn.
        identity = record.maker_of_deferred(file_id)
        if identity is not None:
            record.made(_file_id(url), identity, alive=alive_in(self))
        return url

    create_middleware = starlette_app.create_streamlit_middleware

    @functools.wraps(create_middleware)
    def guarded_middleware() -> list[Middleware]:
        return [Middleware(MediaGuard, owners=record), *create_middleware()]

    MediaFileManager.add = add_noted  # type: ignore[method-assign]
    MediaFileManager.add_deferred = add_deferred_noted  # type: ignore[method-assign]
    MediaFileManager.execute_deferred = execute_deferred_noted  # type: ignore[method-assign]
    starlette_app.create_streamlit_middleware = guarded_middleware
    _installed.set()
