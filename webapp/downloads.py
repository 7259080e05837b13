"""Bulk downloads: the releases ``penalty-archive export`` writes, and any search as a file.

- ``/downloads``: every release (newest first) with its files, sizes, row counts and
  SHA-256, the data dictionary, the licence and a how-to-cite line.
- ``/downloads/index.json``: the exports index for machines to poll (CORS open).
- ``/downloads/<release>/<file>``: a release file, only if the release's index entry lists
  it; served with its media type, length, ETag and byte ranges (resumable downloads).
- ``/search.csv?...``, ``/search.jsonl?...``: the decisions a search matches (the search
  page's parameters), streamed row by row with no row cap.  The CSV has the columns of
  ``decisions.csv.gz`` and the same formula-injection rule.

Release files and search exports are rate limited per client (scope ``export``).
"""

import csv
import io
import json
import os
import re
from functools import partial
from urllib.parse import quote

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    send_file,
    send_from_directory,
    stream_with_context,
)

from indexer import export
from indexer.schema import DECISION_FIELDS
from indexer.store import open_store
from webapp import ratelimit
from webapp.exportcache import ExportCache, data_state
from webapp.search import parse_query
from webapp.storage import get_store

bp = Blueprint("downloads", __name__)

MEDIA_TYPES = {
    ".csv.gz": "application/gzip",
    ".jsonl.gz": "application/gzip",
    ".parquet": "application/vnd.apache.parquet",
    ".sqlite": "application/vnd.sqlite3",
    ".json": "application/json",
    "SHA256SUMS": "text/plain",  # werkzeug adds "; charset=utf-8"
}
_RELEASE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]*$")
FLUSH_ROWS = 200


def exports_dir():
    return os.path.join(current_app.config["DATA_DIR"], "exports")


def media_type(name):
    for suffix, kind in MEDIA_TYPES.items():
        if name.endswith(suffix):
            return kind
    return "application/octet-stream"


def data_dictionary():
    mapping = export.load_zh_mapping()
    zh = {c["field"]: c["header"] for c in mapping["columns"]}
    return [{"name": name, "kind": export.KINDS[name], "zh": zh.get(name, ""),
             "description": spec.get("description", "")}
            for name, spec in DECISION_FIELDS.items()]


@bp.route("/downloads", strict_slashes=False)
def index():
    releases = export.read_index(exports_dir()).get("releases", [])
    return render_template("downloads/index.html", releases=releases,
                           dictionary=data_dictionary(), license=export.DEFAULT_LICENSE,
                           license_note=export.LICENSE_NOTE, delimiter=export.LIST_DELIMITER,
                           root=current_app.config["PUBLIC_URL"].rstrip("/"))


@bp.route("/downloads/index.json")
def release_index():
    response = current_app.response_class(
        json.dumps(export.read_index(exports_dir()), ensure_ascii=False, indent=1),
        mimetype="application/json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "no-cache"
    response.add_etag()
    return response.make_conditional(request)


@bp.route("/downloads/<release>/<path:name>")
def release_file(release, name):
    if not _RELEASE.match(release):
        abort(404)
    entry = next((r for r in export.read_index(exports_dir()).get("releases", [])
                  if r["name"] == release), None)
    if entry is None or name not in {f["path"] for f in entry.get("files", [])}:
        abort(404)
    ratelimit.check("export")
    response = send_from_directory(os.path.join(exports_dir(), release), name,
                                   mimetype=media_type(name), as_attachment=True,
                                   download_name=name.replace("/", "-"), max_age=3600)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _filtered(query):
    return export.iter_matches(get_store(), query)


_UNSAFE = re.compile(r"[^\w.-]+")


def download_name(query, suffix):
    """A file name after the search: decisions-明码标价-price.unmarked-2025.csv."""
    parts = [value for name, value in query.to_params(page=1)
             if name not in ("sort", "page", "page_size", "currency")]
    stem = "-".join(p for p in (_UNSAFE.sub("_", part).strip("_.") for part in parts) if p)
    return ("decisions-" + stem if stem else "decisions-all")[:120] + suffix


def _attachment(response, filename):
    """``filename`` in ASCII (non-ASCII characters as "_") and as UTF-8 (RFC 6266)."""
    ascii_name = filename.encode("ascii", "replace").decode("ascii").replace("?", "_")
    response.headers["Content-Disposition"] = "attachment; filename=\"%s\"; filename*=UTF-8''%s" % (
        ascii_name, quote(filename, safe=""))
    response.headers["Cache-Control"] = "no-cache"
    return response


def csv_text(records, bom=False):
    """The export's CSV text, a few hundred rows at a time."""
    buffer = io.StringIO()
    if bom:
        buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(export.csv_header())
    for n, record in enumerate(records, 1):
        writer.writerow(export.csv_row(record))
        if n % FLUSH_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def jsonl_text(records):
    chunk = []
    for record in records:
        chunk.append(json.dumps(record, ensure_ascii=False, sort_keys=True))
        if len(chunk) >= FLUSH_ROWS:
            yield "\n".join(chunk) + "\n"
            chunk = []
    if chunk:
        yield "\n".join(chunk) + "\n"


def export_lines(records, suffix):
    """The text of an export of ``records`` in the format of its file ``suffix``."""
    if suffix == ".jsonl":
        return jsonl_text(records)
    return csv_text(records, bom=suffix == "-excel.csv")


def export_text(store_dir, query, suffix):
    """The export's text, read from the embedded store at ``store_dir`` (what a build's
    process runs: module-level, its arguments picklable)."""
    with open_store("embedded", store_dir, readonly=True) as store:
        yield from export_lines(export.iter_matches(store, query), suffix)


def export_cache():
    """This process's ExportCache, or None where exports are not kept (config
    ``EXPORT_CACHE``, env ``PENALTY_ARCHIVE_EXPORT_CACHE=0``; a store other than the
    embedded one, whose data state is not known here)."""
    app = current_app._get_current_object()
    if not app.config["EXPORT_CACHE"] or app.config["STORE"] != "embedded":
        return None
    cache = app.extensions.get("penalty_archive.exportcache")
    if cache is None:
        cache = app.extensions.setdefault("penalty_archive.exportcache", ExportCache(
            os.path.join(app.config["DATA_DIR"], "cache", "exports"),
            app.config["EXPORT_CACHE_BYTES"], app.config["EXPORT_BUILDS"]))
    return cache


def _search_export(suffix, mimetype):
    """The search as a file of the format of ``suffix``.  Kept on disk per query and data
    state (webapp.exportcache) where the cache is on, else streamed from the store."""
    query = parse_query(request.args)
    ratelimit.check("export")
    cache = export_cache()
    if cache is None:
        response = Response(stream_with_context(export_lines(_filtered(query), suffix)),
                            mimetype=mimetype)
    else:
        store_dir = os.path.join(current_app.config["DATA_DIR"], "store")
        # the export is every match: the page and its size are not part of it
        params = [p for p in query.to_params(page=1) if p[0] != "page_size"]
        key = cache.key(suffix, params, data_state(store_dir))
        chunks = cache.stream(key, suffix, partial(export_text, store_dir, query, suffix))
        if chunks is None:  # finished: sent whole, with its length, ETag and ranges
            response = send_file(cache.path(key, suffix), mimetype=mimetype, etag=key,
                                 conditional=True, max_age=0)
        else:
            response = Response(chunks, mimetype=mimetype)
    return _attachment(response, download_name(query, suffix))


@bp.route("/search.csv")
def search_csv():
    """The search as CSV; ``bom=1`` starts it with a UTF-8 byte-order mark, which Excel
    needs to read UTF-8 (the Chinese) when the file is opened directly."""
    bom = request.args.get("bom", "") not in ("", "0")
    return _search_export("-excel.csv" if bom else ".csv", "text/csv")


@bp.route("/search.jsonl")
def search_jsonl():
    return _search_export(".jsonl", "application/x-ndjson")
