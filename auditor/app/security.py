"""The app's guard: one ASGI middleware in front of every route, static file and error page.

The app serves one person on this computer, so everything it answers is private. A request gets
anything but a refusal only when all of these hold:

    Host      is exactly 127.0.0.1:PORT or localhost:PORT (a page on another site that makes its
              own name point at 127.0.0.1, "DNS rebinding", sends its own name: refused, 400)
    secret    the session cookie set when the person opened the address with the secret token
              (?token=..., from secrets.token_urlsafe); without it every request gets 403 and a
              short page that holds no data. The token is exchanged for an HttpOnly, SameSite=Strict
              cookie and removed from the address bar by a redirect
    method    GET, HEAD or POST (anything else 405; no CORS: OPTIONS is refused too, and no
              Access-Control-* header is ever sent)
    POST      comes from the app's own pages: Origin (or, without one, Referer) is this app's
              address, it carries the CSRF token (form field "token" or header X-CSRF-Token), and
              its body, if any, is a small urlencoded form (else 415; over 256 KB, 413). A page
              elsewhere cannot read the token, and the SameSite=Strict cookie is not sent with a
              cross-site request anyway

Every answer carries a strict Content-Security-Policy (only this app's own scripts, styles and
data: thumbnails; no remote address of any kind), no-store caching, nosniff and frame-ancestors
'none'. A route that serves the static report sets its own, stricter-in-other-ways policy.
"""
from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field
from typing import Awaitable, Callable
from urllib.parse import parse_qs, urlsplit

Scope = dict
Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]

MAX_BODY = 256 * 1024          # forms only: paths, a profile, a note
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    # same-origin, not no-referrer: with no-referrer the browser sends "Origin: null" on a POST
    "referrer-policy": "same-origin",
    "cache-control": "no-store",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}
REFUSED = (b"<!DOCTYPE html><html lang=\"en-GB\"><meta charset=\"utf-8\"><title>Not allowed</title>"
           b"<p>This page can only be opened from the address that <code>auditor app</code> printed or "
           b"opened when it started.</p></html>")


@dataclass
class Secrets:
    """The secrets of one run of the app: the token in the first address, the session cookie's
    value, and the CSRF token put in every form. New ones each time the app starts."""
    port: int
    token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    session: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    @property
    def cookie(self) -> str:
        # cookies are shared by every port of a host: the name carries this app's port
        return f"fa_session_{self.port}"

    @property
    def hosts(self) -> tuple[str, ...]:
        return (f"127.0.0.1:{self.port}", f"localhost:{self.port}")

    @property
    def origins(self) -> tuple[str, ...]:
        return tuple(f"http://{h}" for h in self.hosts)

    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/?token={self.token}"


def same(a: str | None, b: str) -> bool:
    return bool(a) and hmac.compare_digest(a.encode("utf-8", "replace"), b.encode("utf-8"))


def _headers(scope: Scope) -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in scope.get("headers", []):
        key = k.decode("latin-1").lower()
        if key in out:                   # a repeated Host, Origin or Cookie is never merged
            out[key] = "\x00duplicate"
        else:
            out[key] = v.decode("latin-1")
    return out


def _cookies(header: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name not in out:
            out[name] = value
    return out


async def _respond(send: Send, status: int, body: bytes = REFUSED, headers: dict[str, str] | None = None,
                   content_type: str = "text/html; charset=utf-8") -> None:
    hs = {**HEADERS, "content-type": content_type, "content-length": str(len(body)), **(headers or {})}
    await send({"type": "http.response.start", "status": status,
                "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in hs.items()]})
    await send({"type": "http.response.body", "body": body})


class Guard:
    """ASGI middleware: refuses what the module's doc lists, then adds the security headers."""

    def __init__(self, app: Callable, keys: Secrets):
        self.app = app
        self.keys = keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":          # no websockets
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
            return
        h = _headers(scope)
        if h.get("host") not in self.keys.hosts:
            await _respond(send, 400, b"Bad request: this address is not the app's.", content_type="text/plain")
            return
        method = scope["method"]
        if method not in ("GET", "HEAD", "POST"):
            await _respond(send, 405, b"Method not allowed.", {"allow": "GET, HEAD, POST"},
                           content_type="text/plain")
            return
        cookie = _cookies(h.get("cookie", "")).get(self.keys.cookie)
        authed = same(cookie, self.keys.session)
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        if method == "GET" and scope["path"] == "/" and "token" in query:
            tokens = query["token"]
            if len(tokens) == 1 and same(tokens[0], self.keys.token):
                # the first visit: swap the token for a cookie and take it out of the address bar
                await _respond(send, 303, b"", {
                    "location": "/",
                    "set-cookie": f"{self.keys.cookie}={self.keys.session}; Path=/; HttpOnly; SameSite=Strict"},
                    content_type="text/plain")
                return
            authed = False                   # a wrong token is refused even with a cookie
        if not authed:
            await _respond(send, 403)
            return
        if method == "POST":
            if not self._same_origin(h):
                await _respond(send, 403, b"Refused: this request did not come from the app's own page.",
                               content_type="text/plain")
                return
            body = await self._read(receive)
            if body is None:
                await _respond(send, 413, b"Too much data in one request.", content_type="text/plain")
                return
            ctype = h.get("content-type", "").split(";")[0].strip().lower()
            form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True) \
                if ctype == "application/x-www-form-urlencoded" else {}
            sent = h.get("x-csrf-token") or (form.get("token") or [None])[0]
            if not same(sent, self.keys.csrf):
                await _respond(send, 403, b"Refused: the form's security token is missing or out of date. "
                               b"Reload the page and try again.", content_type="text/plain")
                return
            if body and ctype != "application/x-www-form-urlencoded":
                await _respond(send, 415, b"Expected a form.", content_type="text/plain")
                return
            scope = {**scope, "state": {**scope.get("state", {}), "form": form}}
            receive = _replay(body, receive)

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                have = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in HEADERS.items()
                         if k.encode("latin-1") not in have]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)
        await self.app(scope, receive, send_with_headers)

    def _same_origin(self, h: dict[str, str]) -> bool:
        origin = h.get("origin")
        if origin is not None:
            return origin in self.keys.origins
        referer = h.get("referer")
        if not referer:
            return False
        parts = urlsplit(referer)
        return f"{parts.scheme}://{parts.netloc}" in self.keys.origins

    @staticmethod
    async def _read(receive: Receive) -> bytes | None:
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)


def _replay(body: bytes, original: Receive) -> Receive:
    """The body, read once by the guard, handed to the app; then the connection's own events."""
    sent = False

    async def receive() -> dict:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await original()
    return receive
