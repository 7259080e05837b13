"""Decision pages (simplified and full views) and the archived original documents."""

import os
import re

from flask import Blueprint, abort, current_app, render_template, request, send_from_directory

from webapp.storage import get_store

bp = Blueprint("decisions", __name__)

_DOCUMENT = re.compile(r"^[0-9a-f]{64}\.(pdf|html|htm|doc|docx|xls|xlsx|txt|png|jpg|bin)$")
_MIMETYPES = {"pdf": "application/pdf", "html": "text/plain; charset=utf-8",
              "htm": "text/plain; charset=utf-8", "txt": "text/plain; charset=utf-8"}


@bp.route("/decisions/<path:decision_id>")
def show(decision_id):
    store = get_store()
    record = store.get(decision_id)
    if record is None:
        abort(404)
    view = request.args.get("view", "simplified")
    if view not in ("simplified", "full"):
        view = "simplified"
    versions = store.versions(decision_id)
    return render_template("decisions/show.html", d=record, view=view, versions=versions)


@bp.route("/documents/<name>")
def document(name):
    if not _DOCUMENT.match(name):
        abort(404)
    folder = os.path.join(current_app.config["DATA_DIR"], "documents")
    ext = name.rsplit(".", 1)[1]
    # Archived HTML is served as text: it is evidence, not a page to run in our origin.
    return send_from_directory(folder, name, mimetype=_MIMETYPES.get(ext),
                               as_attachment=ext not in _MIMETYPES)
