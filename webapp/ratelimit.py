"""Per-client rate limits on every dynamic route (the ``limits`` library).

Three scopes, each configurable with a ``limits`` string such as ``"120 per minute"`` or
``"1000/hour;60/minute"``::

    RATELIMIT_PAGES    every other route but static files and /healthz
                                                        env PENALTY_ARCHIVE_RATELIMIT_PAGES
    RATELIMIT_API      /api/v1/...                      env PENALTY_ARCHIVE_RATELIMIT_API
    RATELIMIT_EXPORT   /search.csv, /search.jsonl and
                       release files under /downloads/  env PENALTY_ARCHIVE_RATELIMIT_EXPORT

``RATELIMIT_ENABLED`` (env ``PENALTY_ARCHIVE_RATELIMIT_ENABLED``, default on) switches them
off.  The counters live in one SQLite file that every worker of the server sees
(``RATELIMIT_STORAGE_URI``, default ``sqlite:///DATA_DIR/ratelimit.sqlite``; see
:mod:`webapp.ratelimit_sqlite`); ``memory://`` keeps them per process, ``redis://...``
in a Redis server.  A client is its remote
address: behind a reverse proxy, wrap the app in werkzeug's ``ProxyFix`` so that it is the
client's.  A client over its limit gets 429 with ``Retry-After`` (seconds).
"""

import math
import os
import time

from flask import current_app, request
from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

import webapp.ratelimit_sqlite  # noqa: F401 - registers the sqlite:// storage

EXTENSION = "penalty_archive.ratelimit"


def _env(name, default):
    return os.environ.get("PENALTY_ARCHIVE_" + name, default)


def defaults():
    return {
        "RATELIMIT_ENABLED": _env("RATELIMIT_ENABLED", "1").lower() not in ("0", "false", "no"),
        "RATELIMIT_PAGES": _env("RATELIMIT_PAGES", "600 per minute"),
        "RATELIMIT_API": _env("RATELIMIT_API", "120 per minute"),
        "RATELIMIT_EXPORT": _env("RATELIMIT_EXPORT", "30 per minute"),
        "RATELIMIT_STORAGE_URI": _env("RATELIMIT_STORAGE_URI", None),
    }


class RateLimits:
    def __init__(self, app):
        for key, value in defaults().items():
            app.config.setdefault(key, value)
        if not app.config["RATELIMIT_STORAGE_URI"]:
            app.config["RATELIMIT_STORAGE_URI"] = "sqlite:///" + os.path.join(
                app.config["DATA_DIR"], "ratelimit.sqlite")
        self.limiter = FixedWindowRateLimiter(
            storage_from_string(app.config["RATELIMIT_STORAGE_URI"]))
        self._parsed = {}

    def _limits(self, scope):
        spec = current_app.config["RATELIMIT_" + scope.upper()]
        if spec not in self._parsed:
            self._parsed[spec] = parse_many(spec)
        return self._parsed[spec]

    def check(self, scope):
        """Count one request of the current client in ``scope``; 429 when over a limit."""
        if not current_app.config["RATELIMIT_ENABLED"]:
            return
        client = request.remote_addr or "unknown"
        for item in self._limits(scope):
            if not self.limiter.hit(item, scope, client):
                reset = self.limiter.get_window_stats(item, scope, client).reset_time
                retry = max(1, math.ceil(reset - time.time()))
                raise TooManyRequests("Rate limit exceeded: %s. Retry in %d s."
                                      % (item, retry), retry_after=retry)


def init_app(app):
    app.extensions[EXTENSION] = RateLimits(app)

    @app.before_request
    def limit_pages():  # the API counts in its own scope (webapp.api)
        endpoint = request.endpoint or "static"
        if endpoint not in ("static", "healthz") and not endpoint.startswith("api."):
            check("pages")


def check(scope):
    current_app.extensions[EXTENSION].check(scope)
