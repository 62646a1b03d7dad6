"""The review web app behind `pls serve`: a thin shell over the library (review, publish, batch).

app.py      `create_app`: Starlette, security (token sign-in, CSRF, headers), sessions
routes.py   the pages and form handlers
views.py    what each page shows, built from the store as plain data
templates/, static/
"""

from __future__ import annotations

from pipeline.web.app import create_app
from pipeline.web.security import LOOPBACK

__all__ = ["LOOPBACK", "create_app"]
