"""The JSON API, ``/api/v1/``: search, one decision, facets, statistics, sources.

Every answer is JSON with a strong ``ETag`` (a hash of the body) and, where the store can
tell, ``Last-Modified``; conditional requests get 304.  GET answers carry CORS headers
(any origin may read them).  Errors are ``{"error": {"message", "parameter"}}`` with the
HTTP status (400 names the parameter at fault).  Requests are rate limited per client
(``webapp.ratelimit``; 429 with ``Retry-After``).  ``/api/v1/openapi.json`` describes all
of it (OpenAPI 3.1) and is built from the same constants the code validates with.
"""

import hashlib
import json
import math
import os
from datetime import datetime, timezone
from decimal import Decimal
from urllib.parse import urlencode

from flask import Blueprint, current_app, request, url_for
from werkzeug.exceptions import HTTPException

from indexer import query as query_module
from indexer.export import read_index
from indexer.query import QueryError, facet_choices
from indexer.schema import DECISION_SCHEMA, PENALTY_KINDS
from webapp import ratelimit
from webapp.i18n import taxonomy
from webapp.reading import understand
from webapp.search import parse_query
from webapp.storage import get_store

bp = Blueprint("api", __name__, url_prefix="/api/v1")

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "If-None-Match, If-Modified-Since",
    "Access-Control-Expose-Headers": "ETag, Last-Modified, Link, Retry-After",
    "Access-Control-Max-Age": "86400",
}


# -- responses -----------------------------------------------------------------------------

def _body(payload):
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def json_response(payload, status=200, last_modified=None, headers=None):
    """A JSON response; a 200 gets an ETag and answers conditional requests."""
    body = _body(payload)
    response = current_app.response_class(body, status=status, mimetype="application/json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if status == 200:
        response.set_etag(hashlib.sha256(body.encode("utf-8")).hexdigest()[:40])
        if last_modified is not None:
            response.last_modified = last_modified
        response.headers["Cache-Control"] = "no-cache"
        response.make_conditional(request)
    return response


def error_response(status, message, parameter=None, headers=None):
    return json_response({"error": {"message": message, "parameter": parameter}}, status,
                         headers=headers)


def is_api_request():
    return request.path.startswith(bp.url_prefix + "/") or request.path == bp.url_prefix


def http_error(error):
    """JSON for an HTTP error under /api/ (the error unchanged elsewhere)."""
    if not is_api_request():
        return error
    headers = {k: v for k, v in error.get_headers() if k.lower() == "retry-after"}
    if error.code == 405:
        headers["Allow"] = ", ".join(error.valid_methods or ["GET", "HEAD", "OPTIONS"])
    return error_response(error.code or 500, error.description or error.name,
                          headers=headers)


def register_error_handlers(app):
    app.register_error_handler(HTTPException, http_error)


@bp.errorhandler(QueryError)
def bad_parameter(error):
    return error_response(400, error.message, error.param)


@bp.before_request
def limit():
    if request.method != "OPTIONS":
        ratelimit.check("api")


@bp.after_request
def cors(response):
    if request.method in ("GET", "HEAD", "OPTIONS"):
        for name, value in CORS_HEADERS.items():
            response.headers[name] = value
    return response


# -- helpers -------------------------------------------------------------------------------

def data_modified():
    """When the store's data last changed (file times of the embedded store), or None."""
    folder = os.path.join(current_app.config["DATA_DIR"], "store")
    times = []
    for name in ("decisions.sqlite", "decisions.sqlite-wal", os.path.join("search", "CURRENT")):
        try:
            times.append(os.stat(os.path.join(folder, name)).st_mtime)
        except OSError:
            pass
    if not times:
        return None
    return datetime.fromtimestamp(int(max(times)), timezone.utc)


def _parse_time(value):
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _facets(query, facets):
    """{facet: [{value, count, selected, toggle_url}]}: ``toggle_url`` is the search with
    the value selected (its total is ``count``), or removed when it is selected."""
    return {name: [{"value": value, "count": int(count), "selected": selected,
                    "toggle_url": _url("api.decisions", toggled.to_params())}
                   for value, count, selected, toggled in items]
            for name, items in facet_choices(query, facets or {}).items()}


def _url(endpoint, params=(), **values):
    path = url_for(endpoint, **values)
    params = list(params)
    return path + ("?" + urlencode(params) if params else "")


def _search_links(query, total):
    pages = max(1, math.ceil(total / query.page_size))
    last = min(pages, query_module.MAX_PAGE)
    links = {"self": _url("api.decisions", query.to_params()),
             "first": _url("api.decisions", query.to_params(page=1)),
             "last": _url("api.decisions", query.to_params(page=last)),
             "next": None, "prev": None,
             "csv": _url("downloads.search_csv", query.to_params(page=1)),
             "jsonl": _url("downloads.search_jsonl", query.to_params(page=1))}
    if query.page < last:
        links["next"] = _url("api.decisions", query.to_params(page=query.page + 1))
    if query.page > 1:
        links["prev"] = _url("api.decisions", query.to_params(page=min(query.page - 1, last)))
    return pages, links


# -- endpoints -----------------------------------------------------------------------------

@bp.route("/")
def root():
    return json_response({
        "name": current_app.config.get("SITE_NAME", "Penalty Archive") + " API",
        "version": "v1",
        "links": {"openapi": url_for("api.openapi"), "decisions": url_for("api.decisions"),
                  "facets": url_for("api.facets"), "stats": url_for("api.stats"),
                  "sources": url_for("api.sources"), "downloads": url_for("downloads.index"),
                  "releases": url_for("downloads.release_index")}})


@bp.route("/decisions")
def decisions():
    query, read = understand(parse_query(request.args))
    result = get_store().search(query)
    pages, links = _search_links(query, result.total)
    if query.page > pages:
        return json_response({"error": {
            "message": "page %d is after the last page, %d" % (query.page, pages),
            "parameter": "page"}, "links": {"last": links["last"]}}, 404)
    headers = {}
    link_header = ", ".join('<%s>; rel="%s"' % (links[rel], rel)
                            for rel in ("next", "prev", "first", "last") if links[rel])
    if link_header:
        headers["Link"] = link_header
    return json_response({"total": result.total, "page": query.page,
                          "page_size": query.page_size, "pages": pages,
                          "results": [hit.record for hit in result.hits],
                          "facets": _facets(query, result.facets),
                          "links": links, "reading": read.steps if read else None},
                         last_modified=data_modified(), headers=headers)


@bp.route("/decisions/<path:decision_id>")
def decision(decision_id):
    store = get_store()
    record = store.get(decision_id)
    if record is None:
        return error_response(404, "no decision with this id", "id")
    versions = store.versions(decision_id)
    changed = [_parse_time(v["recorded_at"]) for v in versions[-1:]]
    if record.get("status") == "withdrawn":
        changed.append(_parse_time(record.get("last_seen")))
    changed = [c for c in changed if c is not None]
    links = {"self": url_for("api.decision", decision_id=decision_id),
             "html": url_for("decisions.show", decision_id=decision_id), "document": None}
    if record.get("document_sha256") and record.get("document_type"):
        links["document"] = "/documents/%s.%s" % (record["document_sha256"],
                                                  record["document_type"])
    return json_response({"decision": record,
                          "versions": [{"version": v["version"],
                                        "recorded_at": v["recorded_at"]} for v in versions],
                          "links": links},
                         last_modified=max(changed) if changed else None)


@bp.route("/facets")
def facets():
    query, _ = understand(parse_query(request.args).with_page(1))
    result = get_store().search(query)
    return json_response({"total": result.total,
                          "facets": _facets(query, result.facets)},
                         last_modified=data_modified())


def _latest_release():
    index = read_index(os.path.join(current_app.config["DATA_DIR"], "exports"))
    if not index.get("releases"):
        return None
    latest = index["releases"][0]
    return {"name": latest["name"], "created": latest["created"],
            "decisions": latest["decisions"],
            "url": url_for("downloads.index") + "#release-" + latest["name"]}


def _figures(figures):
    """Decimals as strings (amounts in CNY), unknown as null."""
    return {k: str(v) if isinstance(v, Decimal) else v for k, v in figures.items()}


@bp.route("/stats")
def stats():
    from webapp.stats import cached_figures

    store = get_store()
    query = parse_query(request.args).with_page(1)
    result = store.search(query.with_page(1))
    by = {"by_" + name: {value: count for value, count in buckets}
          for name, buckets in result.facets.items()}
    figures = cached_figures(store, query)
    return json_response(dict(
        by, decisions=store.count(), searchable=result.total,
        latest_release=_latest_release(), currency="CNY",
        summed=figures["summed"], truncated=figures["truncated"],
        all=_figures(figures["all"]),
        figures={name: [_figures(row) for row in rows]
                 for name, rows in figures["dimensions"].items()},
        links={"jsonl": _url("downloads.search_jsonl", query.to_params())}),
        last_modified=data_modified())


@bp.route("/compare")
def compare():
    """One violation type across jurisdictions (webapp.compare), fines in EUR."""
    from webapp.compare import cached_compare, type_param

    code = type_param(required=True)
    figures = cached_compare(get_store(), code)
    return json_response(dict(figures, search_jsonl=url_for("downloads.search_jsonl",
                                                            type=code)),
                         last_modified=data_modified())


@bp.route("/sources")
def sources():
    from webapp.sources import sources as list_sources

    rows = []
    for row in list_sources():
        last = row.get("last_crawl") or None
        rows.append({"name": row["name"], "title": row["title"],
                     "jurisdiction": row["jurisdiction"], "summary": row.get("summary") or "",
                     "decisions": row["decisions"],
                     "last_success": row.get("last_success"),
                     "last_crawl": None if not last else {
                         k: last.get(k) for k in ("started_at", "finished_at", "ok", "outcome",
                                                  "reason", "pages", "items", "new", "changed",
                                                  "errors")}})
    return json_response({"sources": rows}, last_modified=data_modified())


@bp.route("/openapi.json")
def openapi():
    return json_response(openapi_document())


# -- the OpenAPI document ------------------------------------------------------------------

def _param(name, schema, description, **extra):
    # An empty value is the same as no value (``from_params`` skips it).
    return dict({"name": name, "in": "query", "required": False, "schema": schema,
                 "allowEmptyValue": True, "description": description}, **extra)


def search_parameters():
    """The search parameters, as ``Query.from_params`` validates them."""
    q = query_module
    params = [
        _param("q", {"type": "string", "maxLength": q.MAX_Q_LENGTH},
               "Free text; \"quoted words\" are a phrase; name:value words (type:, "
               "authority:, year:, ...) are filters."),
        _param("literal", {"type": "string", "enum": ["0", "1"]},
               "Search the words of `q` as typed; without it, phrases the bilingual glossary "
               "knows become filters (`reading` in the answer says how `q` was read)."),
        _param("also_type", {"type": "array", "items": {
                   "type": "string", "pattern": "^(%s)?$" % q._TYPE_RE.pattern.strip("^$")}},
               "With `q`: decisions of this type match too (`q` or type).",
               style="form", explode=True),
        _param("type", {"type": "array", "items": {  # an empty value is skipped
                   "type": "string", "pattern": "^(%s)?$" % q._TYPE_RE.pattern.strip("^$")}},
               "Violation type code (taxonomy), or `none` (no type); repeated, every one "
               "must hold.",
               style="form", explode=True),
        _param("authority", {"type": "string"}, "Issuing authority (name or id)."),
        _param("region", {"type": "string", "pattern": q._REGION_RE.pattern},
               "ISO 3166-2 subdivision (CN-AH) or country code."),
        _param("source", {"type": "string", "pattern": q._SOURCE_RE.pattern}, "Source name."),
        _param("penalty", {"type": "string", "enum": list(PENALTY_KINDS)}, "Penalty kind."),
        _param("party", {"type": "string"}, "Party name or identifier."),
        _param("year", {"type": "integer", "minimum": 1900, "maximum": 2100},
               "Year of the decision."),
        _param("from", {"type": "string", "format": "date"}, "Decided on or after (ISO date)."),
        _param("to", {"type": "string", "format": "date"},
               "Decided on or before (ISO date); not before `from`."),
        _param("min_amount", {"type": "number", "minimum": 0},
               "Smallest total amount (in `currency`)."),
        _param("max_amount", {"type": "number", "minimum": 0},
               "Largest total amount (in `currency`); not below `min_amount`."),
        _param("amount", {"type": "string", "enum": list(q.BAND_KEYS) + [q.AMOUNT_UNKNOWN]},
               "Amount band [low, high) in `currency`, or `unknown` (no amount)."),
        _param("sort", {"type": "string", "enum": list(q.SORTS)}, "Order of the results."),
        _param("page", {"type": "integer", "minimum": 1, "maximum": q.MAX_PAGE},
               "Page number (1-based)."),
        _param("page_size", {"type": "integer", "minimum": 1, "maximum": q.MAX_PAGE_SIZE},
               "Results per page."),
    ]
    if hasattr(q, "CURRENCIES"):
        params.insert(-3, _param("currency", {"type": "string", "enum": list(q.CURRENCIES)},
                                 "Currency of the amount filters, sort and bands."))
    if hasattr(q, "_JURISDICTION_RE"):
        params.insert(4, _param("jurisdiction", {"type": "string",
                                                 "pattern": "^[A-Za-z]{2}$"},
                                "ISO 3166-1 alpha-2 country code."))
    return params


def _decision_schema():
    return {k: v for k, v in DECISION_SCHEMA.items() if not k.startswith("$")}


def _json_content(ref):
    return {"application/json": {"schema": {"$ref": "#/components/schemas/" + ref}}}


def openapi_document():
    errors = {
        "400": {"description": "A parameter cannot be used (named in the error).",
                "content": _json_content("Error")},
        "429": {"description": "Too many requests from this client.",
                "headers": {"Retry-After": {"description": "Seconds to wait.",
                                            "schema": {"type": "integer"}}},
                "content": _json_content("Error")},
    }
    cache_headers = {"ETag": {"schema": {"type": "string"}},
                     "Last-Modified": {"schema": {"type": "string"}}}

    def ok(ref, description):
        return {"description": description, "headers": cache_headers,
                "content": _json_content(ref)}

    def get(summary, ref, description, parameters=(), extra=None, operation_id=None):
        responses = {"200": ok(ref, description), "304": {"description": "Not modified."}}
        responses.update(errors)
        responses.update(extra or {})
        if operation_id == "searchDecisions":
            responses["200"]["links"] = {"firstResult": {
                "operationId": "getDecision",
                "parameters": {"id": "$response.body#/results/0/id"}}}
        return {"get": {"summary": summary, "operationId": operation_id,
                        "parameters": list(parameters), "responses": responses}}

    facet_buckets = {"type": "array", "items": {
        "type": "object", "required": ["value", "count"],
        "properties": {"value": {"type": "string"}, "count": {"type": "integer"},
                       "selected": {"type": "boolean"}, "toggle_url": {"type": "string"}}}}
    link = {"type": ["string", "null"]}
    search = search_parameters()
    return {
        "openapi": "3.1.0",
        "info": {"title": "Penalty Archive API", "version": "1.0.0",
                 "description": "Administrative penalty decisions: search, records, facets, "
                                "statistics, sources. Bulk files: /downloads. "
                                "See docs/api.md.",
                 "license": {"name": "AGPL-3.0-or-later (code); data: see /downloads",
                             "identifier": "AGPL-3.0-or-later"}},
        "servers": [{"url": bp.url_prefix}],
        "paths": {
            "/": get("API index", "Index", "Links to the endpoints.", operation_id="index"),
            "/decisions": get("Search decisions", "SearchResult",
                              "A page of matching decisions, facets and links.", search,
                              {"404": {"description": "A page after the last page.",
                                       "content": _json_content("Error")}},
                              operation_id="searchDecisions"),
            "/decisions/{id}": get(
                "One decision", "DecisionResponse", "The current record and its versions.",
                [{"name": "id", "in": "path", "required": True,
                  "schema": {"type": "string",
                             "pattern": DECISION_SCHEMA["properties"]["id"]["pattern"]},
                  "description": "Archive id, <source>:<key>."}],
                {"404": {"description": "No decision with this id.",
                         "content": _json_content("Error")}}, operation_id="getDecision"),
            "/facets": get("Facets of a search", "Facets", "Counts by facet.", search,
                           operation_id="facets"),
            "/stats": get("Statistics of a search", "Stats",
                          "Counts, fine and confiscation sums and median fines, by year, "
                          "type, authority and region.", search, operation_id="stats"),
            "/compare": get(
                "Compare jurisdictions", "Compare",
                "One violation type: decisions and fines in EUR by jurisdiction and year.",
                [{"name": "type", "in": "query", "required": True,
                  "schema": {"type": "string", "enum": list(taxonomy())},
                  "description": "Violation type code (docs/taxonomy.md)."}],
                operation_id="compare"),
            "/sources": get("Sources", "Sources", "Sources and their last crawl.",
                            operation_id="sources"),
            "/openapi.json": {"get": {"summary": "This document", "operationId": "openapi",
                                      "responses": {"200": {
                                          "description": "OpenAPI 3.1 document.",
                                          "content": {"application/json": {
                                              "schema": {"type": "object"}}}}}}},
        },
        "components": {"schemas": {
            "Decision": _decision_schema(),
            "Error": {"type": "object", "required": ["error"], "properties": {"error": {
                "type": "object", "required": ["message", "parameter"],
                "properties": {"message": {"type": "string"},
                               "parameter": {"type": ["string", "null"]}}}}},
            "Facets": {"type": "object", "required": ["total", "facets"], "properties": {
                "total": {"type": "integer", "minimum": 0},
                "facets": {"type": "object", "additionalProperties": facet_buckets}}},
            "SearchResult": {
                "type": "object",
                "required": ["total", "page", "page_size", "pages", "results", "facets",
                             "links"],
                "properties": {
                    "total": {"type": "integer", "minimum": 0},
                    "page": {"type": "integer", "minimum": 1},
                    "page_size": {"type": "integer", "minimum": 1},
                    "pages": {"type": "integer", "minimum": 1},
                    "results": {"type": "array",
                                "items": {"$ref": "#/components/schemas/Decision"}},
                    "facets": {"type": "object", "additionalProperties": facet_buckets},
                    "links": {"type": "object", "required": ["self", "next", "prev"],
                              "properties": {k: link for k in
                                             ("self", "next", "prev", "first", "last",
                                              "csv", "jsonl")}}}},
            "DecisionResponse": {
                "type": "object", "required": ["decision", "versions", "links"],
                "properties": {
                    "decision": {"$ref": "#/components/schemas/Decision"},
                    "versions": {"type": "array", "items": {
                        "type": "object", "required": ["version", "recorded_at"],
                        "properties": {"version": {"type": "integer", "minimum": 1},
                                       "recorded_at": {"type": "string"}}}},
                    "links": {"type": "object", "properties": {
                        k: link for k in ("self", "html", "document")}}}},
            "Stats": {"type": "object", "required": ["decisions", "searchable"],
                      "properties": {
                          "decisions": {"type": "integer", "minimum": 0},
                          "searchable": {"type": "integer", "minimum": 0},
                          "latest_release": {"type": ["object", "null"]}},
                      "patternProperties": {"^by_": {
                          "type": "object", "additionalProperties": {"type": "integer"}}}},
            "Sources": {"type": "object", "required": ["sources"], "properties": {
                "sources": {"type": "array", "items": {
                    "type": "object", "required": ["name", "title", "decisions"],
                    "properties": {"name": {"type": "string"}, "title": {"type": "string"},
                                   "jurisdiction": {"type": ["string", "null"]},
                                   "summary": {"type": "string"},
                                   "decisions": {"type": "integer", "minimum": 0},
                                   "last_success": {"type": ["string", "null"]},
                                   "last_crawl": {"type": ["object", "null"]}}}}}},
            "Compare": {"type": "object",
                        "required": ["type", "currency", "total", "jurisdictions"],
                        "properties": {
                            "type": {"type": "string"}, "currency": {"const": "EUR"},
                            "total": {"type": "integer", "minimum": 0},
                            "search_jsonl": {"type": "string"},
                            "jurisdictions": {"type": "array", "items": {
                                "type": "object",
                                "required": ["jurisdiction", "count", "fined", "median",
                                             "years", "representative"],
                                "properties": {
                                    "jurisdiction": {"type": "string"},
                                    "count": {"type": "integer"}, "fined": {"type": "integer"},
                                    "q1": {"type": ["string", "null"]},
                                    "median": {"type": ["string", "null"]},
                                    "q3": {"type": ["string", "null"]},
                                    "years": {"type": "array"},
                                    "representative": {"type": "array"}}}}}},
            "Index": {"type": "object", "required": ["links"], "properties": {
                "name": {"type": "string"}, "version": {"type": "string"},
                "links": {"type": "object", "additionalProperties": {"type": "string"}}}},
        }},
    }
