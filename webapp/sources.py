"""Sources page: every regulator covered, what is crawled, last crawl, counts, known gaps.

It reads what ``penalty-archive sources`` reads: the crawl state in
``data/state/<source>.json`` (:mod:`indexer.datadir`), where the crawler records what each
source is and how its crawls went; decision counts come from the store.
"""

from flask import Blueprint, current_app, render_template

from indexer.datadir import known_sources
from indexer.query import Query
from webapp.storage import get_store

bp = Blueprint("sources", __name__)


def sources():
    store = get_store()
    counts = dict(store.search(Query(page_size=1)).facets.get("source") or [])
    rows = []
    for name, state in known_sources(current_app.config["DATA_DIR"]).items():
        about = state.get("about") or {}
        last = state["crawls"][-1] if state.get("crawls") else None
        rows.append({"name": name, "title": about.get("title") or name,
                     "jurisdiction": about.get("jurisdiction"),
                     "summary": about.get("summary"), "details": about.get("details") or [],
                     "known_gaps": about.get("known_gaps"),
                     "last_crawl": last, "last_success": state.get("last_success"),
                     "decisions": int(counts.get(name, 0))})
    return rows


@bp.route("/sources", strict_slashes=False)
def index():
    return render_template("sources/index.html", sources=sources())
