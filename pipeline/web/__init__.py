"""The review web app behind `pls serve`: a thin shell over the library (review, publish, batch).

app.py          `create_app`: Starlette, middleware, sessions, one error page per trouble
security.py     token sign-in and its throttle, CSRF, headers; pages, flashes, store work
routes.py       the pages and form handlers
explainers.py   topic explainers: New explainer, the review page and its actions
views.py        what each page shows, built from the store as plain data
submissions.py  bounded request bodies; uploads validated, drafted, kept or discarded
api.py          the read-only JSON API (/api/), described by openapi.json
server.py       uvicorn: the socket bound before anything is printed, limits on slow clients
templates/, static/
"""

from __future__ import annotations

from pipeline.web.app import create_app
from pipeline.web.security import LOOPBACK, LoginThrottle
from pipeline.web.server import ServeError, bind, check_tls, make_server

__all__ = [
    "LOOPBACK",
    "LoginThrottle",
    "ServeError",
    "bind",
    "check_tls",
    "create_app",
    "make_server",
]
