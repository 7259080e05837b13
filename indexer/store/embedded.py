"""The embedded store: SQLite for records and versions, tantivy for search. No server.

Layout under the store directory::

    decisions.sqlite      records (current version) and every earlier version
    search/CURRENT        name of the live index generation
    search/<generation>/  a tantivy index

Chinese is indexed one token per Han character and searched as phrases, so a 2- or
4-character query finds every document containing it (no dictionary segmentation to miss
sub-words); other scripts are lower-cased words with English stemming.  tantivy does not
save custom tokenizers with an index, so ``_open_index`` registers them on every open.

A rebuild writes a new generation and then replaces ``CURRENT`` atomically: a crash
mid-rebuild leaves the previous generation serving, and the next rebuild starts afresh.
"""

import json
import logging
import os
import shutil
import sqlite3
import threading
import time
from datetime import datetime, timezone

import tantivy
from markupsafe import Markup, escape

from indexer.store.base import Hit, SearchResult, Store, UpsertStats, content_hash

log = logging.getLogger(__name__)

TOKENIZER = "cjk_char"
TOKEN_PATTERN = r"\p{Han}|[\p{L}\p{N}&&[^\p{Han}]]+"
AMOUNT_BANDS = [(0, 1000), (1000, 10000), (10000, 100000), (100000, 1000000),
                (1000000, 10000000), (10000000, None)]
FACET_FIELDS = {"type": "type_code", "authority": "authority", "region": "region",
                "year": "year", "penalty": "penalty", "source": "source"}
FACET_SIZE = 50
WRITER_HEAP = 128 * 1024 * 1024

_SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS decisions (
    id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    status TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS versions (
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (id, version)
);
"""


def _schema():
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw")
    sb.add_text_field("text", stored=True, tokenizer_name=TOKENIZER)
    sb.add_text_field("party", tokenizer_name=TOKENIZER)
    for name in ("party_id", "authority", "region", "source", "penalty", "type_code"):
        sb.add_text_field(name, tokenizer_name="raw", fast=True)
    sb.add_facet_field("type")
    sb.add_integer_field("year", indexed=True, fast=True)
    sb.add_integer_field("day", indexed=True, fast=True)
    sb.add_float_field("amount", indexed=True, fast=True)
    return sb.build()


def _analyzer():
    return (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.regex(TOKEN_PATTERN))
            .filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.stemmer("english"))
            .build())


def _now():
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def search_text(record):
    """The text a decision is found by."""
    fields = ("decision_number", "title", "party_name", "authority_name", "penalty_text",
              "summary", "full_text")
    parts = [record.get(k) for k in fields]
    return "\n".join(p for p in parts if p)


def _type_prefixes(codes):
    out = set()
    for code in codes:
        parts = code.split(".")
        out.update(".".join(parts[:i + 1]) for i in range(len(parts)))
    return sorted(out)


def _index_doc(record):
    date = record.get("decision_date") or record.get("published_date") or ""
    amount = record.get("amount_cny") or (record.get("total_amount")
                                          if record.get("currency") == "CNY" else None)
    doc = tantivy.Document(id=record["id"], text=search_text(record),
                           party=record.get("party_name") or "",
                           source=record["source"])
    for name, values in (("party_id", [record.get("party_id")]),
                         ("authority", [record.get("authority_name"), record.get("authority_id")]),
                         ("region", [record.get("region"), record.get("jurisdiction")]),
                         ("penalty", record.get("penalty_kinds") or []),
                         ("type_code", _type_prefixes(record.get("violation_types") or []))):
        for value in values:
            if value:
                doc.add_text(name, value)
    for code in record.get("violation_types") or []:
        doc.add_facet("type", tantivy.Facet.from_string("/" + code.replace(".", "/")))
    if date:
        doc.add_integer("year", int(date[:4]))
        doc.add_integer("day", int(date.replace("-", "")))
    else:
        doc.add_integer("day", 0)
    doc.add_float("amount", float(amount) if amount is not None else -1.0)
    return doc


class EmbeddedStore(Store):
    def __init__(self, path, readonly=False):
        self.path = os.fspath(path)
        self.search_dir = os.path.join(self.path, "search")
        os.makedirs(self.search_dir, exist_ok=True)
        self.readonly = readonly
        self._local = threading.local()
        self._lock = threading.Lock()
        self._schema = _schema()
        with self._db() as db:
            db.executescript(_SCHEMA_SQL)
        self._generation = None
        self._index = None
        self._open_current()

    # -- SQLite ---------------------------------------------------------------------------

    def _db(self):
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(os.path.join(self.path, "decisions.sqlite"), timeout=30)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
        return db

    # -- tantivy --------------------------------------------------------------------------

    def _current_name(self):
        try:
            with open(os.path.join(self.search_dir, "CURRENT"), encoding="utf-8") as f:
                return f.read().strip() or None
        except FileNotFoundError:
            return None

    def _open_index(self, generation, create=False):
        path = os.path.join(self.search_dir, generation)
        if create:
            os.makedirs(path)
            index = tantivy.Index(self._schema, path=path)
        else:
            index = tantivy.Index.open(path)
        index.register_tokenizer(TOKENIZER, _analyzer())
        return index

    def _set_current(self, generation):
        tmp = os.path.join(self.search_dir, "CURRENT.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(generation)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, os.path.join(self.search_dir, "CURRENT"))

    def _new_generation(self):
        return "g%d-%d" % (time.time_ns(), os.getpid())

    def _open_current(self):
        """Open the live generation (creating the first one); drop abandoned ones."""
        with self._lock:
            name = self._current_name()
            if name is None and not self.readonly:
                name = self._new_generation()
                self._open_index(name, create=True)
                self._set_current(name)
            if name and name != self._generation:
                self._index = self._open_index(name)
                self._generation = name
            if not self.readonly:
                for entry in os.listdir(self.search_dir):
                    full = os.path.join(self.search_dir, entry)
                    if os.path.isdir(full) and entry != self._generation:
                        shutil.rmtree(full, ignore_errors=True)

    def _searcher(self):
        if self._current_name() != self._generation:
            self._open_current()
        if self._index is None:
            raise RuntimeError("no search index under %s: run `penalty-archive index`"
                               % self.search_dir)
        self._index.reload()
        return self._index.searcher()

    def _write(self, index, records, delete_first):
        writer = index.writer(heap_size=WRITER_HEAP)
        for record in records:
            if delete_first:
                writer.delete_documents_by_term("id", record["id"])
            writer.add_document(_index_doc(record))
        writer.commit()
        writer.wait_merging_threads()

    # -- interface ------------------------------------------------------------------------

    def upsert(self, records, now=None):
        now = now or _now()
        stats = UpsertStats()
        to_index = []
        db = self._db()
        with db:
            for record in records:
                record = dict(record)
                digest = content_hash(record)
                row = db.execute("SELECT version, content_hash, first_seen, record FROM decisions "
                                 "WHERE id = ?", (record["id"],)).fetchone()
                if row and row[1] == digest:
                    db.execute("UPDATE decisions SET last_seen = ?, record = json_set(record, "
                               "'$.last_seen', ?) WHERE id = ?", (now, now, record["id"]))
                    stats.unchanged += 1
                    continue
                if row is None:
                    version, first_seen = 1, now
                    stats.new += 1
                else:
                    previous = json.loads(row[3])
                    # Fetching a pending document completes the record; it is no new version.
                    version = row[0] if previous.get("document_pending") else row[0] + 1
                    first_seen = row[2]
                    stats.changed += 1
                record.update(version=version, first_seen=first_seen, last_seen=now,
                              status=record.get("status") or "active")
                blob = json.dumps(record, ensure_ascii=False, sort_keys=True)
                db.execute("INSERT OR REPLACE INTO decisions VALUES (?, ?, ?, ?, ?, ?, ?)",
                           (record["id"], version, digest, record["status"], first_seen, now,
                            blob))
                db.execute("INSERT OR REPLACE INTO versions VALUES (?, ?, ?, ?, ?)",
                           (record["id"], version, digest, now, blob))
                to_index.append(record)
        if to_index:
            self._write(self._index, to_index, delete_first=True)
        return stats

    def get(self, decision_id):
        row = self._db().execute("SELECT record FROM decisions WHERE id = ?",
                                 (decision_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def get_many(self, ids):
        if not ids:
            return {}
        rows = self._db().execute("SELECT id, record FROM decisions WHERE id IN (%s)"
                                  % ",".join("?" * len(ids)), list(ids)).fetchall()
        return {i: json.loads(r) for i, r in rows}

    def versions(self, decision_id):
        rows = self._db().execute("SELECT version, recorded_at, record FROM versions WHERE id = ? "
                                  "ORDER BY version", (decision_id,)).fetchall()
        return [{"version": v, "recorded_at": at, "record": json.loads(r)} for v, at, r in rows]

    def withdraw(self, decision_id, now=None):
        record = self.get(decision_id)
        if record is None or record["status"] == "withdrawn":
            return False
        record["status"] = "withdrawn"
        now = now or _now()
        with self._db() as db:
            db.execute("UPDATE decisions SET status = 'withdrawn', last_seen = ?, record = ? "
                       "WHERE id = ?", (now, json.dumps(record, ensure_ascii=False,
                                                        sort_keys=True), decision_id))
        self._write(self._index, [record], delete_first=True)
        return True

    def iter_decisions(self):
        cursor = self._db().execute("SELECT record FROM decisions ORDER BY id")
        for (blob,) in cursor:
            yield json.loads(blob)

    def count(self):
        return self._db().execute("SELECT count(*) FROM decisions").fetchone()[0]

    def rebuild(self):
        generation = self._new_generation()
        index = self._open_index(generation, create=True)
        self._write(index, self.iter_decisions(), delete_first=False)
        self._set_current(generation)
        self._open_current()
        return generation

    def close(self):
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    # -- search ---------------------------------------------------------------------------

    def _text_query(self, query):
        parts = []
        for term in query.terms:
            cleaned = term.replace('"', " ").replace("\\", " ").strip()
            if not any(ch.isalnum() for ch in cleaned):
                continue
            parts.append(self._index.parse_query('"%s"' % cleaned, ["text"]))
        if not parts:
            return None
        return tantivy.Query.boolean_query([(tantivy.Occur.Must, p) for p in parts])

    def _raw(self, field, value):
        return tantivy.Query.term_query(self._schema, field, value)

    def _filters(self, query):
        must = []
        if query.types:
            must.append(tantivy.Query.boolean_query(
                [(tantivy.Occur.Should, self._raw("type_code", t)) for t in query.types]))
        for field, value in (("authority", query.authority), ("region", query.region),
                             ("source", query.source), ("penalty", query.penalty)):
            if value:
                must.append(self._raw(field, value))
        if query.party:
            must.append(tantivy.Query.boolean_query([
                (tantivy.Occur.Should, self._raw("party_id", query.party)),
                (tantivy.Occur.Should, self._index.parse_query(
                    '"%s"' % query.party.replace('"', " ").replace("\\", " "), ["party"]))]))
        if query.year:
            must.append(tantivy.Query.range_query(self._schema, "year", tantivy.FieldType.Integer,
                                                  query.year, query.year))
        if query.date_from or query.date_to:
            low = int((query.date_from or "0001-01-01").replace("-", ""))
            high = int((query.date_to or "9999-12-31").replace("-", ""))
            must.append(tantivy.Query.range_query(self._schema, "day", tantivy.FieldType.Integer,
                                                  low, high))
        if query.min_amount is not None or query.max_amount is not None:
            low = float(query.min_amount) if query.min_amount is not None else 0.0
            high = float(query.max_amount) if query.max_amount is not None else 1e18
            must.append(tantivy.Query.range_query(self._schema, "amount", tantivy.FieldType.Float,
                                                  low, high))
        return must

    def _facets(self, searcher, tquery):
        aggs = {name: {"terms": {"field": field, "size": FACET_SIZE}}
                for name, field in FACET_FIELDS.items()}
        aggs["amount"] = {"range": {"field": "amount", "ranges": [
            dict({"from": low}, **({"to": high} if high else {})) for low, high in AMOUNT_BANDS]}}
        result = searcher.aggregate(tquery, aggs)
        facets = {name: [(str(b["key"]), b["doc_count"]) for b in result[name]["buckets"]]
                  for name in FACET_FIELDS}
        facets["amount"] = [("%s-%s" % (int(b["from"]), int(b["to"]) if "to" in b else ""),
                             b["doc_count"]) for b in result["amount"]["buckets"]
                            if b["doc_count"] and "from" in b]  # not the no-amount bucket
        return facets

    def search(self, query, facets=True):
        searcher = self._searcher()
        text = self._text_query(query)
        clauses = [(tantivy.Occur.Must, text)] if text else []
        clauses += [(tantivy.Occur.Must, f) for f in self._filters(query)]
        if not clauses:
            tquery = tantivy.Query.all_query()
        else:
            tquery = tantivy.Query.boolean_query(clauses)
        order = {"newest": ("day", tantivy.Order.Desc), "oldest": ("day", tantivy.Order.Asc),
                 "amount_desc": ("amount", tantivy.Order.Desc),
                 "amount_asc": ("amount", tantivy.Order.Asc)}.get(query.sort)
        if order is None and text is None:
            order = ("day", tantivy.Order.Desc)
        kwargs = {"order_by_field": order[0], "order": order[1]} if order else {}
        result = searcher.search(tquery, query.page_size, count=True, offset=query.offset,
                                 **kwargs)
        docs = [(score, searcher.doc(address)) for score, address in result.hits]
        records = self.get_many([d["id"][0] for _, d in docs])
        snippets = None
        if text is not None:
            snippets = tantivy.SnippetGenerator.create(searcher, text, self._schema, "text")
            snippets.set_max_num_chars(160)
        hits = []
        for score, doc in docs:
            record = records.get(doc["id"][0])
            if record is None:
                continue
            snippet = _snippet_html(snippets.snippet_from_doc(doc)) if snippets else ""
            hits.append(Hit(record=record, score=float(score or 0), snippet=snippet))
        return SearchResult(total=result.count, hits=hits,
                            facets=self._facets(searcher, tquery) if facets else {})


def _snippet_html(snippet):
    """Escaped fragment with <mark> around highlighted ranges (adjacent ranges merged)."""
    fragment = snippet.fragment()
    data = fragment.encode("utf-8")
    ranges = []
    for r in snippet.highlighted():
        if ranges and r.start <= ranges[-1][1]:
            ranges[-1][1] = max(ranges[-1][1], r.end)
        else:
            ranges.append([r.start, r.end])
    out, pos = [], 0
    for start, end in ranges:
        out.append(escape(data[pos:start].decode("utf-8", "replace")))
        out.append(Markup("<mark>%s</mark>") % data[start:end].decode("utf-8", "replace"))
        pos = end
    out.append(escape(data[pos:].decode("utf-8", "replace")))
    return Markup("").join(out)
