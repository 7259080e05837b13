"""Sources page: every regulator covered, what is crawled, last crawl, counts, known gaps.

It reads what ``penalty-archive sources`` reads: the spider classes (their module
docstring, ``title``, ``jurisdiction``, optional ``known_gaps``) and the crawl state in
``data/state/<source>.json``; decision counts come from the store.
"""

import inspect
import sys
from functools import lru_cache

from flask import Blueprint, current_app, render_template

from crawler.extensions import load_state
from indexer.query import Query
from webapp.storage import get_store

bp = Blueprint("sources", __name__)


@lru_cache(maxsize=1)
def spider_classes():
    from webapp.cli import spider_classes as load

    return load()


def describe(cls):
    """(summary, paragraphs) from the spider module's docstring."""
    doc = inspect.getdoc(sys.modules.get(cls.__module__)) or inspect.getdoc(cls) or ""
    paragraphs = [p.strip() for p in doc.split("\n\n") if p.strip()]
    return (paragraphs[0] if paragraphs else ""), paragraphs[1:]


def sources():
    store = get_store()
    counts = dict(store.search(Query(page_size=1)).facets.get("source") or [])
    rows = []
    for name, cls in spider_classes().items():
        state = load_state(current_app.config["DATA_DIR"], name)
        summary, details = describe(cls)
        last = state["crawls"][-1] if state.get("crawls") else None
        rows.append({"name": name, "title": getattr(cls, "title", name),
                     "jurisdiction": getattr(cls, "jurisdiction", None),
                     "summary": summary, "details": details,
                     "known_gaps": getattr(cls, "known_gaps", None),
                     "last_crawl": last, "last_success": state.get("last_success"),
                     "decisions": int(counts.get(name, 0))})
    return rows


@bp.route("/sources")
def index():
    return render_template("sources/index.html", sources=sources())
