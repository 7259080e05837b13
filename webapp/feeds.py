"""Atom feeds for any search: /feeds/decisions.atom?<the search page's parameters>.

The feed holds the newest ``FEED_SIZE`` decisions the search matches (whatever the sort
asked for), so a reader subscribed to a search learns of new decisions.  Entries link to
the archive's decision pages; text is plain (feedgen escapes it).
"""

from dataclasses import replace
from datetime import date, datetime, time, timezone

from feedgen.feed import FeedGenerator
from flask import Blueprint, Response, current_app, request
from flask_babel import gettext as _

from indexer.query import Query
from webapp import public_url
from webapp.i18n import current_language
from webapp.storage import get_store

bp = Blueprint("feeds", __name__)

FEED_SIZE = 50


def _when(record):
    for name in ("last_seen", "first_seen", "fetched_at"):
        value = record.get(name)
        if value:
            try:
                moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                continue
            return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    if record.get("decision_date"):
        return datetime.combine(date.fromisoformat(record["decision_date"]), time(),
                                tzinfo=timezone.utc)
    return datetime(1970, 1, 1, tzinfo=timezone.utc)


def _multi(params):
    out = {}
    for name, value in params:
        out.setdefault(name, []).append(value)
    return out


@bp.route("/feeds/decisions.atom")
def decisions():
    query = Query.from_params(request.args)
    query = replace(query, sort="newest", page=1, page_size=FEED_SIZE)
    result = get_store().search(query)
    params = _multi(query.to_params(sort="relevance", page=1, page_size=20))
    search_url = public_url("search.index", **params)
    self_url = public_url("feeds.decisions", **params)
    feed = FeedGenerator()
    feed.id(self_url)
    title = current_app.config["SITE_NAME"]
    feed.title("%s: %s" % (title, query.q) if query.q else title)
    feed.subtitle(_("New decisions matching this search"))
    feed.language(current_language())
    feed.link(href=search_url, rel="alternate", type="text/html")
    feed.link(href=self_url, rel="self", type="application/atom+xml")
    feed.author({"name": title})
    newest = datetime(1970, 1, 1, tzinfo=timezone.utc)
    for hit in reversed(result.hits):  # feedgen prepends: add oldest first
        d = hit.record
        permalink = public_url("decisions.show", decision_id=d["id"])
        entry = feed.add_entry()
        entry.id(permalink)
        entry.link(href=permalink, rel="alternate", type="text/html")
        entry.title(" · ".join(p for p in (d.get("decision_number") or d.get("title") or d["id"],
                                           d.get("party_name")) if p))
        updated = _when(d)
        newest = max(newest, updated)
        entry.updated(updated)
        if d.get("decision_date"):
            entry.published(datetime.combine(date.fromisoformat(d["decision_date"]), time(),
                                             tzinfo=timezone.utc))
        if d.get("authority_name"):
            entry.author({"name": d["authority_name"]})
        summary = d.get("summary") or d.get("penalty_text")
        if summary:
            entry.summary(summary)
    feed.updated(newest)
    body = feed.atom_str(pretty=True)
    return Response(body, mimetype="application/atom+xml")
