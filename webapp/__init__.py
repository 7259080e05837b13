"""The website: Flask app factory, one blueprint per concern."""

import os

from flask import Flask, current_app, jsonify, render_template, url_for
from flask_babel import gettext as _

from indexer.query import Query, QueryError
from indexer.store.base import NoIndex
from webapp.exportcache import default_builds

DEFAULTS = {
    "DATA_DIR": os.environ.get("PENALTY_ARCHIVE_DATA", "data"),
    "STORE": os.environ.get("PENALTY_ARCHIVE_STORE", "embedded"),
    "ELASTICSEARCH_URL": os.environ.get("ELASTICSEARCH_URL"),
    "SITE_NAME": "Penalty Archive",
    # Absolute links (feeds, permalinks, citations) are built from this, never from the
    # request's Host header; `serve` sets it to its own address unless the env gives one.
    "PUBLIC_URL": os.environ.get("PENALTY_ARCHIVE_PUBLIC_URL", "http://127.0.0.1:5000"),
    # search exports kept on disk per query and data state (webapp.exportcache)
    "EXPORT_CACHE": os.environ.get("PENALTY_ARCHIVE_EXPORT_CACHE", "1").lower()
    not in ("0", "false", "no"),
    "EXPORT_CACHE_BYTES": int(os.environ.get("PENALTY_ARCHIVE_EXPORT_CACHE_BYTES", 2 << 30)),
    "EXPORT_BUILDS": int(os.environ.get("PENALTY_ARCHIVE_EXPORT_BUILDS", 0))
    or default_builds(),
}

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


def public_url(endpoint, **values):
    """An absolute URL on the configured PUBLIC_URL (never on the request's Host)."""
    return current_app.config["PUBLIC_URL"].rstrip("/") + url_for(endpoint, **values)


def create_app(config=None):
    app = Flask(__name__)
    app.config.update(DEFAULTS)
    app.config.update(config or {})
    app.config["DATA_DIR"] = os.path.abspath(app.config["DATA_DIR"])

    from webapp import (
        api,
        compare,
        decisions,
        downloads,
        feeds,
        guides,
        i18n,
        ratelimit,
        search,
        sources,
        stats,
    )

    i18n.init_app(app)
    ratelimit.init_app(app)
    for module in (search, decisions, stats, guides, compare, feeds, sources, api, downloads):
        app.register_blueprint(module.bp)
    api.register_error_handlers(app)  # JSON errors under /api/

    app.add_template_global(public_url)

    @app.route("/healthz")
    def healthz():
        """For load balancers and `serve`'s operators: 200 when the archive can answer."""
        from webapp.storage import get_store

        store = get_store()
        try:
            store.search(Query(), facets=False)
        except NoIndex:
            return jsonify(ok=False, index=False, decisions=0), 503
        return jsonify(ok=True, index=True, decisions=store.count())

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response

    @app.errorhandler(QueryError)
    def bad_query(error):
        return render_template("errors/400.html", error=error), 400

    @app.errorhandler(NoIndex)
    def no_index(error):  # before the first `index`: say so, and when to come back
        if api.is_api_request():
            return api.error_response(503, "the archive is not indexed yet; try again later",
                                      headers={"Retry-After": "60"})
        return render_template(
            "errors/unavailable.html", title=_("The archive is not indexed yet"),
            message=_("Its search index has not been built yet. Please try again in a few "
                      "minutes.")), 503, {"Retry-After": "60"}

    @app.errorhandler(404)
    def not_found(error):
        if api.is_api_request():
            return api.http_error(error)
        return render_template("errors/404.html"), 404

    return app
