"""Serving the review app with uvicorn: the listening socket bound first, limits on clients.

`bind` claims the address before anything is printed, so a busy port is one line
(`ServeError`), not a "Review app on …" followed by a traceback; `check_tls` does the same for
a certificate that will not load. `make_server` configures uvicorn
so a slow or idle client cannot hold a connection forever: uvicorn's own keep-alive timeout
covers the wait between requests, `HEADER_SECONDS` (here; uvicorn has none) the wait for a
request's headers, h11's limit their size, and the app itself (`submissions.BodyLimit`) the
body.
"""

from __future__ import annotations

import asyncio
import errno
import socket
import ssl

import uvicorn
from starlette.applications import Starlette
from uvicorn.protocols.http.h11_impl import H11Protocol

HEADER_SECONDS = 10.0  # from connecting (or the last answer) to a request's complete headers
KEEP_ALIVE_SECONDS = 5  # an idle kept-alive connection is closed after this
HEADER_BYTES = 16 * 1024  # the request line and headers together
MAX_CONNECTIONS = 64  # beyond this uvicorn answers 503 instead of queueing without end


class ServeError(Exception):
    """The server cannot start (the address, the certificate); the message is the one line."""


def bind(host: str, port: int) -> socket.socket:
    """A socket bound to host:port, ready to hand to uvicorn."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError) as error:
        raise ServeError(f"cannot find the address {host!r} ({error})") from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise ServeError(f"port {port} on {host} is in use") from None
        if error.errno == errno.EACCES:
            raise ServeError(f"port {port} on {host} needs privileges (try 1024 up)") from None
        if error.errno == errno.EADDRNOTAVAIL:
            raise ServeError(f"{host} is not an address of this machine") from None
        raise ServeError(f"cannot listen on {host}:{port} ({error.strerror})") from None
    sock.set_inheritable(True)
    return sock


def check_tls(certfile: str, keyfile: str | None) -> None:
    """The certificate and key load, or one line says why (uvicorn would print a traceback)."""
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(certfile, keyfile)
    except (OSError, ssl.SSLError) as error:
        reason = getattr(error, "strerror", None) or getattr(error, "reason", None) or error
        raise ServeError(f"cannot use the certificate {certfile} ({reason})") from None


def header_deadline(seconds: float) -> type[H11Protocol]:
    """uvicorn's h11 protocol, closing a connection whose request headers take over `seconds`
    to arrive: a client that connects and sends nothing, or a byte at a time, is let go."""

    class Deadline(H11Protocol):
        _deadline: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def handle_events(self) -> None:
            before = self.cycle
            super().handle_events()
            if self.cycle is not before:  # a request's headers are in: the app's turn
                self._disarm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm()  # the next request's headers are due in time too

        def _arm(self) -> None:
            self._disarm()
            self._deadline = self.loop.call_later(seconds, self._too_slow)

        def _disarm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _too_slow(self) -> None:
            self._deadline = None
            idle = self.cycle is None or self.cycle.response_complete
            if idle and not self.transport.is_closing():
                self.transport.close()

    return Deadline


def make_server(
    app: Starlette, host: str, port: int, *, header_seconds: float = HEADER_SECONDS, **ssl: str
) -> uvicorn.Server:
    """The uvicorn server for `app`, with every client limit set (`ssl`: certfile, keyfile)."""
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        lifespan="off",
        ws="none",
        http=header_deadline(header_seconds),
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        h11_max_incomplete_event_size=HEADER_BYTES,
        limit_concurrency=MAX_CONNECTIONS,
        **{f"ssl_{name}": value for name, value in ssl.items() if value},
    )
    return uvicorn.Server(config)
