"""The Elasticsearch store (``pip install .[elasticsearch]``): the same interface, scaled out.

Indices, named from a prefix (default ``penalty-archive``)::

    <prefix>-decisions            alias -> the live versioned index (its write index)
    <prefix>-decisions-<time>     versioned indices, created from the index template
    <prefix>-versions             every version of every decision (record not indexed)

Mappings and settings are data (``elastic.yaml``): keyword facets, scaled_float amounts,
dates, and the text of a decision indexed three times, with the built-in ``cjk`` analyzer
(Chinese as overlapping bigrams: phrase queries find 2- and 4-character words inside longer
ones), the ``english`` analyzer (stemmed) and the ``standard`` analyzer (one token per Han
character, which finds a one-character query that no bigram holds).  No plugin is needed.

``rebuild`` creates a new index from the template, streams every current decision into
it, and then moves the alias in one ``_aliases`` call: searches see the old index until
the swap, a crash before it leaves the old index serving (the half-built one is deleted
by the next rebuild).  Bulk loading uses ``helpers.streaming_bulk`` with back-off on 429;
``iter_decisions`` pages with a point in time and ``search_after``.  A ``Query`` is
compiled to query DSL clause by clause: user text only ever becomes the text of a
``multi_match`` phrase or a term value, never ``query_string`` syntax.

One writer at a time (as for the embedded store): writes made elsewhere during a rebuild
are not copied into the new index.
"""

import os
import re
import time
from pathlib import Path

import yaml
from elasticsearch import Elasticsearch, NotFoundError, helpers
from markupsafe import Markup, escape

from indexer.query import AMOUNT_UNKNOWN, BAND_KEYS, TYPE_NONE, band_bounds
from indexer.store.base import (
    FACET_SIZE,
    HAN,
    Hit,
    NoIndex,
    SearchResult,
    Store,
    UpsertStats,
    content_hash,
    converted_amounts,
    finish_facets,
    now_utc,
    plan_version,
    search_text,
    type_prefixes,
)

DEFAULT_PREFIX = "penalty-archive"
BATCH = 500
KEEP_ALIVE = "2m"
PRE, POST = "\ue000", "\ue001"  # private-use marks around highlights, escaped text between
TEXT_FIELDS = ["search.text", "search.text.en", "search.text.chars"]
# The english and standard analyzers drop punctuation without a position gap, so their
# phrases run across the end of a sentence: a term is matched on search.text.en only when
# it has a letter to stem, and on search.text.chars only when one of its Han characters
# stands alone (no bigram holds it).
_HAN_CHAR = re.compile("[%s]" % HAN)
_LONE_HAN = re.compile("(?<![{0}])[{0}](?![{0}])".format(HAN))
FACET_FIELDS = {"type": "search.types", "authority": "search.authority",
                "region": "search.region", "year": "search.year", "penalty": "penalty_kinds",
                "source": "source"}
_SETTINGS = yaml.safe_load((Path(__file__).parent / "elastic.yaml").read_text("utf-8"))


def search_fields(record):
    """The derived fields a decision is found, filtered and counted by."""
    day = record.get("decision_date") or record.get("published_date")
    return {
        "text": search_text(record),
        "party": record.get("party_name") or "",
        "types": type_prefixes(record.get("violation_types") or []),
        "authority": [v for v in (record.get("authority_name"), record.get("authority_id")) if v],
        "region": [v for v in (record.get("region"), record.get("jurisdiction")) if v],
        "year": int(day[:4]) if day else None,
        "day": day,
        "content_hash": content_hash(record),
        **converted_amounts(record),
    }


def _document(record):
    return dict(record, search=search_fields(record))


def _record(source):
    source = dict(source)
    source.pop("search", None)
    return source


class ElasticStore(Store):
    def __init__(self, url=None, prefix=None, readonly=False, api_key=None, shards=None,
                 replicas=None, client=None, request_timeout=60):
        url = url or os.environ.get("ELASTICSEARCH_URL") or "http://127.0.0.1:9200"
        api_key = api_key or os.environ.get("ELASTICSEARCH_API_KEY") or None
        self.client = client or Elasticsearch(url, api_key=api_key,
                                              request_timeout=request_timeout,
                                              retry_on_timeout=True, max_retries=3)
        self.prefix = prefix or os.environ.get("PENALTY_ARCHIVE_ES_PREFIX") or DEFAULT_PREFIX
        self.alias = self.prefix + "-decisions"
        self.versions_index = self.prefix + "-versions"
        self.readonly = readonly
        self.shards = int(shards or os.environ.get("PENALTY_ARCHIVE_ES_SHARDS") or 1)
        self.replicas = int(replicas if replicas is not None
                            else os.environ.get("PENALTY_ARCHIVE_ES_REPLICAS") or 0)
        if not readonly:
            self._install()

    # -- set-up ---------------------------------------------------------------------------

    def _template(self):
        template = yaml.safe_load(yaml.safe_dump(_SETTINGS["decisions"]))
        template["settings"]["index"].update(number_of_shards=self.shards,
                                             number_of_replicas=self.replicas)
        return template

    def _install(self):
        """Put the index template; create the first index behind the alias and the
        versions index where they are missing."""
        self.client.indices.put_index_template(
            name=self.alias, index_patterns=[self.alias + "-*"], template=self._template(),
            priority=100, meta={"managed_by": "penalty-archive"})
        if not self.client.indices.exists_alias(name=self.alias):
            self.client.indices.create(index=self._new_index_name(),
                                       aliases={self.alias: {"is_write_index": True}})
        if not self.client.indices.exists(index=self.versions_index):
            versions = _SETTINGS["versions"]
            self.client.indices.create(index=self.versions_index,
                                       settings=versions["settings"],
                                       mappings=versions["mappings"])

    def _new_index_name(self):
        return "%s-%d" % (self.alias, time.time_ns())

    def live_index(self):
        """The versioned index the alias points to."""
        try:
            return next(iter(self.client.indices.get_alias(name=self.alias)))
        except NotFoundError:
            raise NoIndex("no Elasticsearch index %r: run `penalty-archive index`"
                          % self.alias) from None

    def _bulk(self, actions):
        for ok, item in helpers.streaming_bulk(self.client, actions, chunk_size=BATCH,
                                               max_retries=5, initial_backoff=1,
                                               max_backoff=60, raise_on_error=True):
            pass

    def _refresh(self, *indices):
        self.client.indices.refresh(index=",".join(indices))

    # -- interface ------------------------------------------------------------------------

    def upsert(self, records, now=None):
        now = now or now_utc()
        stats = UpsertStats()
        records = iter(records)
        wrote = False
        while True:
            batch = [r for _, r in zip(range(BATCH), records)]
            if not batch:
                break
            batch_stats, actions = self._upsert_batch(batch, now)
            stats += batch_stats
            if actions:
                self._bulk(actions)
                wrote = True
        if wrote:
            self._refresh(self.alias, self.versions_index)
        return stats

    def _upsert_batch(self, records, now):
        stats = UpsertStats()
        ids = list(dict.fromkeys(r["id"] for r in records))
        known = {}
        found = self.client.mget(index=self.alias, ids=ids, source_includes=[
            "search.content_hash", "version", "first_seen", "document_pending"])
        for doc in found["docs"]:
            if doc.get("found"):
                src = doc["_source"]
                known[doc["_id"]] = (src.get("version"), src.get("search", {}).get(
                    "content_hash"), src.get("first_seen"), src.get("document_pending"))
        actions = []
        for incoming in records:
            record, digest = plan_version(incoming, known, now, stats)
            if record is None:
                actions.append({"_op_type": "update", "_index": self.alias,
                                "_id": incoming["id"], "doc": {"last_seen": now}})
                continue
            version = record["version"]
            actions.append({"_op_type": "index", "_index": self.alias, "_id": record["id"],
                            "_source": _document(record)})
            actions.append({"_op_type": "index", "_index": self.versions_index,
                            "_id": "%s#%d" % (record["id"], version),
                            "_source": {"id": record["id"], "version": version,
                                        "recorded_at": now, "content_hash": digest,
                                        "record": record}})
        return stats, actions

    def get(self, decision_id):
        try:
            doc = self.client.get(index=self.alias, id=decision_id, source_excludes=["search"])
        except NotFoundError:
            return None
        return _record(doc["_source"])

    def get_many(self, ids):
        if not ids:
            return {}
        found = self.client.mget(index=self.alias, ids=list(ids), source_excludes=["search"])
        return {d["_id"]: _record(d["_source"]) for d in found["docs"] if d.get("found")}

    def versions(self, decision_id):
        result = self.client.search(index=self.versions_index, size=10000,
                                    query={"term": {"id": decision_id}},
                                    sort=[{"version": "asc"}])
        return [{"version": h["_source"]["version"], "recorded_at": h["_source"]["recorded_at"],
                 "record": h["_source"]["record"]} for h in result["hits"]["hits"]]

    def withdraw(self, decision_id, now=None):
        record = self.get(decision_id)
        if record is None or record["status"] == "withdrawn":
            return False
        now = now or now_utc()
        self.client.update(index=self.alias, id=decision_id,
                           doc={"status": "withdrawn", "last_seen": now}, refresh=True)
        return True

    def _iter_index(self, index, source_excludes=("search",)):
        pit = self.client.open_point_in_time(index=index, keep_alive=KEEP_ALIVE)["id"]
        after = None
        try:
            while True:
                kwargs = {"search_after": after} if after else {}
                result = self.client.search(
                    pit={"id": pit, "keep_alive": KEEP_ALIVE}, size=BATCH,
                    sort=[{"id": "asc"}], query={"match_all": {}},
                    source_excludes=list(source_excludes), track_total_hits=False, **kwargs)
                pit = result.get("pit_id", pit)
                hits = result["hits"]["hits"]
                if not hits:
                    return
                for hit in hits:
                    yield _record(hit["_source"])
                after = hits[-1]["sort"]
        finally:
            self.client.close_point_in_time(id=pit)

    def iter_decisions(self):
        return self._iter_index(self.alias)

    def count(self):
        return self.client.count(index=self.alias)["count"]

    def rebuild(self):
        """Reindex every decision into a new index and swap the alias to it atomically."""
        old = self.live_index()
        for name in self.client.indices.get(index=self.alias + "-*"):
            if name != old:  # left by a rebuild that did not finish
                self.client.indices.delete(index=name)
        new = self._new_index_name()
        self.client.indices.create(index=new)
        self._bulk({"_op_type": "index", "_index": new, "_id": record["id"],
                    "_source": _document(record)} for record in self._iter_index(old))
        self._refresh(new)
        self.client.indices.update_aliases(actions=[
            {"remove": {"index": old, "alias": self.alias}},
            {"add": {"index": new, "alias": self.alias, "is_write_index": True}}])
        self.client.indices.delete(index=old)
        return new

    def close(self):
        self.client.close()

    # -- search ---------------------------------------------------------------------------

    def compile(self, query, facets=True):
        """The query DSL body (keyword arguments of ``Elasticsearch.search``) for a Query."""
        must = []
        for term in query.terms:
            cleaned = term.replace('"', " ").strip()
            if any(ch.isalnum() for ch in cleaned):
                fields = [TEXT_FIELDS[0]]
                if any(ch.isalpha() and not _HAN_CHAR.match(ch) for ch in cleaned):
                    fields.append(TEXT_FIELDS[1])
                if _LONE_HAN.search(cleaned):
                    fields.append(TEXT_FIELDS[2])
                must.append({"multi_match": {"query": cleaned, "type": "phrase",
                                             "fields": fields}})
        if must and query.also_types:
            must = [{"bool": {"minimum_should_match": 1, "should": [
                {"bool": {"must": must}}, {"terms": {"search.types": list(query.also_types)}}]}}]
        filters = []
        for code in query.types:  # every type must hold
            if code == TYPE_NONE:
                filters.append({"bool": {"must_not": {"exists": {"field": "search.types"}}}})
            else:
                filters.append({"term": {"search.types": code}})
        for field, value in (("search.authority", query.authority),
                             ("search.region", query.region),
                             ("jurisdiction", query.jurisdiction), ("source", query.source),
                             ("penalty_kinds", query.penalty)):
            if value:
                filters.append({"term": {field: value}})
        if query.party:
            filters.append({"bool": {"minimum_should_match": 1, "should": [
                {"term": {"party_id": query.party}},
                {"multi_match": {"query": query.party, "type": "phrase",
                                 "fields": ["search.party", "search.party.en"]}}]}})
        if query.year:
            filters.append({"term": {"search.year": query.year}})
        if query.date_from or query.date_to:
            bounds = {}
            if query.date_from:
                bounds["gte"] = query.date_from
            if query.date_to:
                bounds["lte"] = query.date_to
            filters.append({"range": {"search.day": bounds}})
        if query.min_amount is not None or query.max_amount is not None:
            bounds = {}
            if query.min_amount is not None:
                bounds["gte"] = float(query.min_amount)
            if query.max_amount is not None:
                bounds["lte"] = float(query.max_amount)
            filters.append({"range": {"search." + query.amount_field: bounds}})
        if query.amount == AMOUNT_UNKNOWN:
            filters.append({"bool": {"must_not": {"exists": {
                "field": "search." + query.amount_field}}}})
        elif query.amount:
            low, high = band_bounds(query.amount)  # half-open: [low, high)
            filters.append({"range": {"search." + query.amount_field: dict(
                {"gte": low}, **({"lt": high} if high else {}))}})
        body = {"query": {"bool": {"must": must or [{"match_all": {}}], "filter": filters}},
                "from_": query.offset, "size": query.page_size, "track_total_hits": True,
                "source_excludes": ["search"]}
        amount = "search." + query.amount_field
        sort = {"newest": [{"search.day": {"order": "desc", "missing": "_last"}}],
                "oldest": [{"search.day": {"order": "asc", "missing": "_last"}}],
                "amount_desc": [{amount: {"order": "desc", "missing": "_last"}}],
                "amount_asc": [{amount: {"order": "asc", "missing": "_last"}}],
                }.get(query.sort)
        if sort is None and not must:
            sort = [{"search.day": {"order": "desc", "missing": "_last"}}]
        if sort:
            body["sort"] = sort + [{"id": "asc"}]
        if must:
            body["highlight"] = {"fields": {f: {} for f in TEXT_FIELDS},
                                 "pre_tags": [PRE], "post_tags": [POST],
                                 "fragment_size": 160, "number_of_fragments": 1,
                                 "no_match_size": 0}
        if facets:
            aggs = {name: {"terms": {"field": field, "size": FACET_SIZE}}
                    for name, field in FACET_FIELDS.items()}
            ranges = []
            for key in BAND_KEYS:  # a range aggregation's ranges are [from, to)
                low, high = band_bounds(key)
                ranges.append({"key": key, "from": low, **({"to": high} if high else {})})
            aggs["amount"] = {"range": {"field": amount, "ranges": ranges}}
            aggs["no_type"] = {"missing": {"field": "search.types"}}
            body["aggs"] = aggs
        return body

    def search(self, query, facets=True):
        self.live_index()
        result = self.client.search(index=self.alias, **self.compile(query, facets))
        hits = []
        for hit in result["hits"]["hits"]:
            fragments = [frag for field in TEXT_FIELDS
                         for frag in hit.get("highlight", {}).get(field, [])]
            hits.append(Hit(record=_record(hit["_source"]), score=float(hit.get("_score") or 0),
                            snippet=_snippet_html(fragments[0]) if fragments else ""))
        out = {}
        aggs = result.get("aggregations") or {}
        for name in FACET_FIELDS:
            if name in aggs:
                out[name] = [(str(b["key"]), b["doc_count"]) for b in aggs[name]["buckets"]]
        total = result["hits"]["total"]["value"]
        if "amount" in aggs:
            out["amount"] = [(b["key"], b["doc_count"]) for b in aggs["amount"]["buckets"]]
        if "no_type" in aggs:
            out["type"].append((TYPE_NONE, aggs["no_type"]["doc_count"]))
        return SearchResult(total=total, hits=hits, facets=finish_facets(out, total) if aggs
                            else out)


def _snippet_html(fragment):
    """Escaped fragment with <mark> around highlights (adjacent highlights merged)."""
    fragment = fragment.replace(POST + PRE, "")
    out, rest = [], fragment
    while PRE in rest:
        before, _, rest = rest.partition(PRE)
        marked, _, rest = rest.partition(POST)
        out.append(escape(before))
        out.append(Markup("<mark>%s</mark>") % marked)
    out.append(escape(rest))
    return Markup("").join(out)
