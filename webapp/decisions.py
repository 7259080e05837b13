"""Decision pages (simplified and full views) and the archived original documents."""

import logging
import os
import re
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, render_template, request, send_from_directory
from flask_babel import gettext as _

from indexer.datadir import document_matches
from indexer.query import Query
from webapp.storage import get_store

bp = Blueprint("decisions", __name__)
log = logging.getLogger(__name__)

_DOCUMENT = re.compile(r"^[0-9a-f]{64}\.(pdf|html|htm|doc|docx|xls|xlsx|txt|png|jpg|bin)$")
_MIMETYPES = {"pdf": "application/pdf", "html": "text/plain; charset=utf-8",
              "htm": "text/plain; charset=utf-8", "txt": "text/plain; charset=utf-8"}
SAME_PARTY_LIMIT = 10


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
    return render_template("decisions/show.html", d=record, view=view, versions=versions,
                           same_party=same_party(store, record))


def same_party(store, record):
    """Other decisions against the same party: by identifier, else by the exact name.

    Not for natural persons: the archive does not assemble profiles of individuals.
    """
    if record.get("party_kind") == "natural_person":
        return []
    key = record.get("party_id") if record.get("party_id_valid") else None
    name = record.get("party_name")
    if not key and not (name and len(name) >= 4 and "*" not in name):
        return []
    result = store.search(Query(party=key or name, sort="newest",
                                page_size=SAME_PARTY_LIMIT + 1))
    out = []
    for hit in result.hits:
        other = hit.record
        if other["id"] == record["id"]:
            continue
        if (key and other.get("party_id") == key) or (not key and other.get("party_name") == name):
            out.append(other)
    return out[:SAME_PARTY_LIMIT]


@bp.app_template_filter("http_url")
def http_url(value):
    """The URL if it is http(s), else None: a source's link never becomes script."""
    value = (value or "").strip()
    return value if urlsplit(value).scheme.lower() in ("http", "https") else None


@bp.route("/documents/<name>")
def document(name):
    if not _DOCUMENT.match(name):
        abort(404)
    folder = os.path.join(current_app.config["DATA_DIR"], "documents")
    ext = name.rsplit(".", 1)[1]
    if not _intact(os.path.join(folder, name)):
        return render_template(
            "errors/unavailable.html", title=_("This archived document is damaged"),
            message=_("The stored file does not match the checksum it was archived with, so "
                      "it is not served. The original is linked from the decision page.")), 404
    # Archived HTML is served as text: it is evidence, not a page to run in our origin.
    return send_from_directory(folder, name, mimetype=_MIMETYPES.get(ext),
                               as_attachment=ext not in _MIMETYPES)


_verified = {}  # path -> (size, mtime) of the bytes last found to match their SHA-256


def _intact(path):
    """A document is served only while its bytes match the SHA-256 in its name (checked
    again whenever the file changes)."""
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return True  # send_from_directory answers 404
    seen = (stat.st_size, stat.st_mtime_ns)
    if _verified.get(path) != seen:
        if not document_matches(path):
            log.error("stored document %s does not match its SHA-256: not served", path)
            return False
        _verified[path] = seen
    return True
