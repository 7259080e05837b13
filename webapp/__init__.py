"""The website: Flask app factory, one blueprint per concern."""

import os

from flask import Flask, render_template

from indexer.query import QueryError

DEFAULTS = {
    "DATA_DIR": os.environ.get("PENALTY_ARCHIVE_DATA", "data"),
    "STORE": "embedded",
    "SITE_NAME": "Penalty Archive",
}

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


def money(value):
    """A decimal string with thousands separators, its decimals kept as printed."""
    if value in (None, ""):
        return ""
    whole, _, fraction = str(value).partition(".")
    return "{:,}".format(int(whole)) + ("." + fraction if fraction else "")


def create_app(config=None):
    app = Flask(__name__)
    app.config.update(DEFAULTS)
    app.config.update(config or {})
    app.config["DATA_DIR"] = os.path.abspath(app.config["DATA_DIR"])

    from webapp import decisions, search
    from webapp.storage import close_store

    app.register_blueprint(search.bp)
    app.register_blueprint(decisions.bp)
    app.teardown_appcontext(close_store)
    app.add_template_filter(money)

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

    @app.errorhandler(404)
    def not_found(error):
        return render_template("errors/404.html"), 404

    return app
