"""The embedded store: SQLite for records and versions, tantivy for search. No server.

Layout under the store directory::

    decisions.sqlite      records (current version) and every earlier version
    search/CURRENT        name of the live index generation
    search/<generation>/  a tantivy index

Chinese is indexed one token per Han character and searched as phrases, so a 2- or
4-character query finds every document containing it (no dictionary segmentation to miss
sub-words); other scripts are lower-cased words with English stemming.  Runs of Han
characters are also indexed as overlapping character pairs (field ``bigram``): a Chinese
word of two characters is then one term, a longer one a phrase of pairs, both much
cheaper than a phrase of single characters at a million decisions.  Four-character words,
the commonest length of Chinese legal terms (明码标价, 违法所得), are one term of the field
``quad``: every four characters of each run of Han characters, cut by tantivy's n-gram
tokenizer and indexed without positions, so that such a word is found, counted and
ranked as one term rather than verified as a phrase in every decision that holds its
pairs.  tantivy does not save custom tokenizers with an index, so ``_open_index``
registers them on every open.

A rebuild writes a new generation and then replaces ``CURRENT`` atomically: a crash
mid-rebuild leaves the previous generation serving, and the next rebuild starts afresh.
A generation's name starts with the index schema's version (``s5-...``); a writer that
opens an index of an older schema rebuilds it from the records.

Records are kept once, compressed (``indexer.store.packing``: zstd with a dictionary
trained on the store's records). ``decisions`` holds each current record; ``versions``
holds every version's hash and time, and the record of each earlier version (the current
version's row holds an empty value instead of a second copy). ``last_seen`` lives in its
column only, so a recrawl that finds a record unchanged rewrites no record.

The index stores only each decision's id: records come from SQLite, and snippets are cut
from the record's text, so the index stays small and a hit costs one id lookup.

A search with facets counts them on a second thread while the first finds the page and
builds its hits (tantivy releases the GIL): on two cores the facets cost little latency.
They are counted over numbers or one string per decision where they can be (see
VALUE_SETS), which tantivy counts several times faster than multi-valued strings.
"""

import hashlib
import json
import logging
import os
import re
import shutil
import sqlite3
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import tantivy
from markupsafe import Markup, escape

from indexer.query import AMOUNT_BANDS, AMOUNT_UNKNOWN, CURRENCIES, TYPE_NONE, band_bounds
from indexer.store.base import (
    FACET_SIZE,
    HAN,
    Hit,
    NoIndex,
    SearchResult,
    Store,
    UpsertStats,
    converted_amounts,
    finish_facets,
    now_utc,
    plan_version,
    search_text,
    type_prefixes,
)
from indexer.store.packing import SCHEMA_SQL as PACKING_SQL
from indexer.store.packing import TRAIN_AT, Packer

log = logging.getLogger(__name__)

TOKENIZER = "cjk_char"
TOKEN_PATTERN = r"\p{Han}|[\p{L}\p{N}&&[^\p{Han}]]+"
SCHEMA_VERSION = 5
BIGRAM_TOKENIZER = "bigram"
QUAD_TOKENIZER = "quad"
_HAN_RUN = re.compile("[%s]{2,}" % HAN)
_HAN_RUN4 = re.compile("[%s]{4,}" % HAN)
_HAN_WORD = re.compile("[%s]{2,}$" % HAN)
FACETS = ("type", "authority", "region", "year", "penalty", "source")  # in this order
PLAIN_FACETS = ("year", "source")  # counted over their own fast fields
# A terms aggregation over a string field with several values per decision costs several
# times one over a number or a single string per decision, so facets are counted over:
# - type, region, penalty (few distinct values): "<facet>_set", one string per decision,
#   its set of values joined by SEP; every set is counted (they are few) and split here;
# - authority (thousands of values): "authority_key", the 64-bit hash of each value,
#   mapped back to the values through the terms of the field "authority".
VALUE_SETS = ("type", "region", "penalty")
SEP = "\x1f"
SETS = 65000  # buckets asked for (tantivy's limit): far more sets than real indexes have
WRITER_HEAP = 128 * 1024 * 1024
# The rebuild's indexing memory. Measured at 1M decisions (docs/performance.md): 1 GiB
# allocated 1.3 GB at its peak, 512 MiB 0.8 GB in no more time (schema 4); 256 MiB
# allocates 0.5 GB, its segments merged by tantivy into one by the end (schema 5).
REBUILD_HEAP = 256 * 1024 * 1024
BATCH = 500
EXPORT_PASS = 50000  # matches an export collects per pass over the index
NO_AMOUNT = -1.0  # amount fields of a decision without one (outside every band)

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
CREATE TABLE IF NOT EXISTS pending (id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS versions (
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (id, version)
);
""" + PACKING_SQL
CURRENT = b""  # versions.record of the current version: the record is in decisions
LAYOUT = 1  # PRAGMA user_version: 1 = each record stored once


def _schema():
    sb = tantivy.SchemaBuilder()
    # Whole-value fields are matched, never scored by frequency: no frequencies, positions.
    sb.add_text_field("id", stored=True, tokenizer_name="raw", index_option="basic")
    sb.add_text_field("text", tokenizer_name=TOKENIZER)
    sb.add_text_field("bigram", tokenizer_name=BIGRAM_TOKENIZER)
    sb.add_text_field("quad", tokenizer_name=QUAD_TOKENIZER, index_option="freq")
    sb.add_text_field("party", tokenizer_name=TOKENIZER)
    for name in ("party_id", "authority", "region", "jurisdiction", "penalty", "type_code"):
        sb.add_text_field(name, tokenizer_name="raw", index_option="basic")
    sb.add_text_field("source", tokenizer_name="raw", fast=True, index_option="basic")
    for name in VALUE_SETS:
        sb.add_text_field(name + "_set", tokenizer_name="raw", fast=True, index_option="basic")
    sb.add_unsigned_field("authority_key", fast=True)
    # Numbers are filtered (range queries) and sorted on their fast fields only.
    sb.add_integer_field("year", fast=True)
    sb.add_integer_field("day", fast=True)
    for currency in CURRENCIES:
        sb.add_float_field("amount_" + currency.lower(), fast=True)
    return sb.build()


def _key(text):
    """64-bit hash of a string (an authority)."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


def _analyzer():
    return (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.regex(TOKEN_PATTERN))
            .filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.stemmer("english"))
            .build())


def han_bigrams(text):
    """Overlapping pairs of Han characters, space-separated; "|" between runs so that no
    phrase spans punctuation or other scripts: "违法所得，罚款" -> "违法 法所 所得 | 罚款"."""
    return " | ".join(" ".join(map(str.__add__, run, run[1:]))
                      for run in _HAN_RUN.findall(text))


def _index_doc(record):
    date = record.get("decision_date") or record.get("published_date") or ""
    text = search_text(record)
    doc = tantivy.Document(id=record["id"], text=text, bigram=han_bigrams(text),
                           quad=" ".join(_HAN_RUN4.findall(text)),
                           party=record.get("party_name") or "",
                           source=record["source"])
    for name, facet, values in (
            ("party_id", None, [record.get("party_id")]),
            ("authority", "authority", [record.get("authority_name"), record.get("authority_id")]),
            ("region", "region", [record.get("region"), record.get("jurisdiction")]),
            ("jurisdiction", None, [record.get("jurisdiction")]),
            ("penalty", "penalty", record.get("penalty_kinds") or []),
            ("type_code", "type", type_prefixes(record.get("violation_types") or []))):
        values = [value for value in values if value]
        for value in values:
            doc.add_text(name, value)
        if facet in VALUE_SETS and values:
            doc.add_text(facet + "_set", SEP.join(sorted(set(values))))
        elif facet == "authority":
            for value in dict.fromkeys(values):
                doc.add_unsigned("authority_key", _key(value))
    if date:
        doc.add_integer("year", int(date[:4]))
        doc.add_integer("day", int(date.replace("-", "")))
    else:
        doc.add_integer("day", 0)
    for name, amount in converted_amounts(record).items():
        doc.add_float(name, amount if amount is not None else NO_AMOUNT)
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
            if not readonly and db.execute("PRAGMA user_version").fetchone()[0] < LAYOUT:
                # Older releases kept the current record in versions too: drop that copy.
                db.execute("UPDATE versions SET record = ? WHERE EXISTS (SELECT 1 FROM "
                           "decisions d WHERE d.id = versions.id AND d.version = "
                           "versions.version)", (CURRENT,))
                db.execute("PRAGMA user_version = %d" % LAYOUT)
        self._packer = Packer(self._db)
        self._generation = None
        self._index = None
        self._loaded = None
        self._authority_names = None
        self._open_current()

    # -- SQLite ---------------------------------------------------------------------------

    def _db(self):
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(os.path.join(self.path, "decisions.sqlite"), timeout=30)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA cache_size=-32768")  # 32 MiB: keeps the B-trees' inner pages
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
        index.register_tokenizer(BIGRAM_TOKENIZER, tantivy.TextAnalyzerBuilder(
            tantivy.Tokenizer.whitespace()).build())  # han_bigrams separates with spaces
        # Runs are joined by a space: the four-grams across two runs hold it, and no
        # query word does.
        index.register_tokenizer(QUAD_TOKENIZER, tantivy.TextAnalyzerBuilder(
            tantivy.Tokenizer.ngram(4, 4, False)).build())
        return index

    def _set_current(self, generation):
        tmp = os.path.join(self.search_dir, "CURRENT.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(generation)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, os.path.join(self.search_dir, "CURRENT"))

    def _new_generation(self):
        return "s%d-g%d-%d" % (SCHEMA_VERSION, time.time_ns(), os.getpid())

    def _open_current(self):
        """Open the live generation (creating the first one); drop abandoned ones."""
        with self._lock:
            name = self._current_name()
            if name is None and not self.readonly:
                name = self._new_generation()
                self._open_index(name, create=True)
                self._set_current(name)
            if name and not name.startswith("s%d-" % SCHEMA_VERSION):
                if self.readonly:
                    raise NoIndex("the search index under %s has an older schema: run "
                                  "`penalty-archive index`" % self.search_dir)
                log.warning("search index %s has an older schema: rebuilding it", name)
                name = self._build_generation()
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
            raise NoIndex("no search index under %s: run `penalty-archive index`"
                          % self.search_dir)
        # A commit replaces meta.json: reload only then (a reload costs more than a stat).
        meta = os.stat(os.path.join(self.search_dir, self._generation, "meta.json"))
        seen = (self._generation, meta.st_ino, meta.st_mtime_ns, meta.st_size)
        if seen != self._loaded:
            self._index.reload()
            self._loaded = seen
        return self._index.searcher()

    def _write(self, index, records, delete_first, heap=WRITER_HEAP, delete_ids=()):
        writer = index.writer(heap_size=heap)
        for decision_id in delete_ids:
            writer.delete_documents_by_term("id", decision_id)
        for record in records:
            if delete_first:
                writer.delete_documents_by_term("id", record["id"])
            writer.add_document(_index_doc(record))
        writer.commit()
        writer.wait_merging_threads()

    def _build_generation(self):
        """Index every record into a new generation, then make it CURRENT; its name."""
        generation = self._new_generation()
        index = self._open_index(generation, create=True)
        self._write(index, self._iter_storage_order(), delete_first=False, heap=REBUILD_HEAP)
        self._set_current(generation)
        return generation

    # -- interface ------------------------------------------------------------------------

    def upsert(self, records, now=None):
        """Records are written to SQLite in batches and indexed by one writer, committed
        once at the end.  Each batch marks its records ``pending`` in the transaction that
        stores them; the marks are cleared once the index has committed them, so a crash in
        between leaves marks that ``reconcile`` (run by every ``index``) indexes."""
        now = now or now_utc()
        stats = UpsertStats()
        writer, batch, indexed = None, [], []
        records = iter(records)
        while True:
            batch = [r for _, r in zip(range(BATCH), records)]
            if not batch:
                break
            batch_stats, to_index = self._upsert_batch(batch, now)
            stats += batch_stats
            if to_index and writer is None:
                writer = self._index.writer(heap_size=WRITER_HEAP)
            for record in to_index:
                writer.delete_documents_by_term("id", record["id"])
                writer.add_document(_index_doc(record))
                indexed.append((record["id"],))
        if writer is not None:
            writer.commit()
            writer.wait_merging_threads()
            with self._db() as db:
                db.executemany("DELETE FROM pending WHERE id = ?", indexed)
        return stats

    def reconcile(self):
        """Index every record marked pending, and every record the index lacks (the
        counts tell; ids are compared only then); returns how many were indexed."""
        db = self._db()
        ids, extra = {row[0] for row in db.execute("SELECT id FROM pending")}, []
        if self._searcher().num_docs != self.count():
            found = self.agreement()
            ids.update(found["missing"] + found["duplicated"])
            extra = found["extra"]
        if ids or extra:
            log.warning("indexing %d decisions an interrupted run stored but did not index",
                        len(ids))
            ids = sorted(ids)
            records = (record for start in range(0, len(ids), BATCH)
                       for record in self.get_many(ids[start:start + BATCH]).values())
            self._write(self._index, records, delete_first=True, delete_ids=extra)
        with db:
            db.execute("DELETE FROM pending")
        return len(ids)

    def agreement(self):
        searcher = self._searcher()
        indexed = [searcher.doc(address)["id"][0] for _, address in searcher.search(
            tantivy.Query.all_query(), limit=max(searcher.num_docs, 1)).hits]
        stored = {row[0] for row in self._db().execute("SELECT id FROM decisions")}
        pending = {row[0] for row in self._db().execute("SELECT id FROM pending")}
        seen = Counter(indexed)
        return {"records": len(stored), "searchable": len(seen),
                "missing": sorted((stored - set(seen)) | pending),
                "extra": sorted(set(seen) - stored),
                "duplicated": sorted(i for i, n in seen.items() if n > 1)}

    def _upsert_batch(self, records, now):
        stats = UpsertStats()
        to_index, rows, touched = {}, [], []
        db = self._db()
        with db:
            ids = list(dict.fromkeys(r["id"] for r in records))
            known = {row[0]: row[1:4] + (self._load(row[4]).get("document_pending"),)
                     for row in db.execute(
                         "SELECT id, version, content_hash, first_seen, record FROM decisions "
                         "WHERE id IN (%s)" % ",".join("?" * len(ids)), ids)}
            earlier = {i: row[0] for i, row in known.items()}
            for incoming in records:
                record, digest = plan_version(incoming, known, now, stats)
                if record is None:
                    touched.append((now, incoming["id"]))
                    continue
                rows.append((record["id"], record["version"], digest, record["status"],
                             record["first_seen"], now, _dump(record)))
                to_index[record["id"]] = record
            if touched:
                db.executemany("UPDATE decisions SET last_seen = ? WHERE id = ?", touched)
            if rows:
                if not self._packer.trained and len(rows) >= TRAIN_AT:
                    self._packer.train(db, [r[6] for r in rows])
                rows = [r[:6] + (self._packer.pack(r[6]),) for r in rows]
                last = {r[0]: n for n, r in enumerate(rows)}  # an id may come twice
                # A new version moves the record it replaces into versions.
                db.executemany(
                    "UPDATE versions SET record = (SELECT record FROM decisions d WHERE d.id = "
                    "versions.id) WHERE id = ? AND version = ? AND version < ?",
                    [(i, earlier[i], rows[n][1]) for i, n in last.items() if i in earlier])
                db.executemany("INSERT OR REPLACE INTO decisions VALUES (?, ?, ?, ?, ?, ?, ?)",
                               [rows[n] for n in last.values()])
                db.executemany("INSERT OR REPLACE INTO versions VALUES (?, ?, ?, ?, ?)",
                               [r[:3] + (now, CURRENT if last[r[0]] == n else r[6])
                                for n, r in enumerate(rows)])
                db.executemany("INSERT OR IGNORE INTO pending VALUES (?)",
                               [(r[0],) for r in rows])
        return stats, list(to_index.values())

    def _load(self, value, last_seen=None):
        record = json.loads(self._packer.unpack(value))
        if last_seen:
            record["last_seen"] = last_seen
        return record

    def get(self, decision_id):
        row = self._db().execute("SELECT record, last_seen FROM decisions WHERE id = ?",
                                 (decision_id,)).fetchone()
        return self._load(*row) if row else None

    def get_many(self, ids):
        if not ids:
            return {}
        rows = self._db().execute("SELECT id, record, last_seen FROM decisions WHERE id IN (%s)"
                                  % ",".join("?" * len(ids)), list(ids)).fetchall()
        return {i: self._load(r, seen) for i, r, seen in rows}

    def versions(self, decision_id):
        rows = self._db().execute(
            "SELECT v.version, v.recorded_at, CASE WHEN length(v.record) THEN v.record "
            "ELSE d.record END, coalesce(d.last_seen, v.recorded_at) FROM versions v "
            "LEFT JOIN decisions d ON d.id = v.id AND d.version = v.version "
            "WHERE v.id = ? ORDER BY v.version", (decision_id,)).fetchall()
        return [{"version": v, "recorded_at": at, "record": self._load(r, seen)}
                for v, at, r, seen in rows]

    def withdraw(self, decision_id, now=None):
        record = self.get(decision_id)
        if record is None or record["status"] == "withdrawn":
            return False
        record.update(status="withdrawn", last_seen=now or now_utc())
        with self._db() as db:
            db.execute("UPDATE decisions SET status = 'withdrawn', last_seen = ?, record = ? "
                       "WHERE id = ?", (record["last_seen"], self._packer.pack(_dump(record)),
                                        decision_id))
        self._write(self._index, [record], delete_first=True)
        return True

    def iter_decisions(self):
        cursor = self._db().execute("SELECT record, last_seen FROM decisions ORDER BY id")
        for row in cursor:
            yield self._load(*row)

    def _iter_storage_order(self):
        """Every current decision in storage order (faster than id order), for rebuilds."""
        cursor = self._db().execute("SELECT record, last_seen FROM decisions ORDER BY rowid")
        for row in cursor:
            yield self._load(*row)

    def count(self):
        return self._db().execute("SELECT count(*) FROM decisions").fetchone()[0]

    def rebuild(self):
        generation = self._build_generation()
        self._open_current()
        with self._db() as db:
            db.execute("DELETE FROM pending")
        return generation

    def close(self):
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    # -- search ---------------------------------------------------------------------------

    def _text_query(self, query):
        """(query to run, query to highlight with): a Chinese word of four characters
        is one term of the four-grams field, other Chinese words run on the pairs field,
        everything else as a phrase on the text; snippets come from the text."""
        parts, marks = [], []
        for term in query.terms:
            cleaned = term.replace('"', " ").replace("\\", " ").strip()
            if not any(ch.isalnum() for ch in cleaned):
                continue
            phrase = self._index.parse_query('"%s"' % cleaned, ["text"])
            marks.append(phrase)
            if _HAN_WORD.match(cleaned) and len(cleaned) == 4:
                parts.append(self._raw("quad", cleaned))
            elif _HAN_WORD.match(cleaned):
                pairs = han_bigrams(cleaned).split()
                parts.append(self._raw("bigram", pairs[0]) if len(pairs) == 1 else
                             tantivy.Query.phrase_query(self._schema, "bigram", pairs))
            else:
                parts.append(phrase)
        if not parts:
            return None, None
        return tuple(tantivy.Query.boolean_query([(tantivy.Occur.Must, p) for p in q])
                     for q in (parts, marks))

    def _raw(self, field, value):
        return tantivy.Query.term_query(self._schema, field, value)

    def _filters(self, query):
        must = []
        for code in query.types:  # every type must hold
            if code == TYPE_NONE:
                must.append(tantivy.Query.boolean_query([
                    (tantivy.Occur.Must, tantivy.Query.all_query()),
                    (tantivy.Occur.MustNot, tantivy.Query.exists_query("type_set"))]))
            else:
                must.append(self._raw("type_code", code))
        for field, value in (("authority", query.authority), ("region", query.region),
                             ("jurisdiction", query.jurisdiction), ("source", query.source),
                             ("penalty", query.penalty)):
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
            high = float(query.max_amount) if query.max_amount is not None else None
            must.append(self._amount_range(query, low, high))
        if query.amount == AMOUNT_UNKNOWN:
            must.append(self._amount_range(query, NO_AMOUNT, NO_AMOUNT))
        elif query.amount:
            low, high = band_bounds(query.amount)  # half-open: [low, high)
            must.append(self._amount_range(query, float(low), high and float(high),
                                           include_upper=False))
        return must

    def _amount_range(self, query, low, high, include_upper=True):
        return tantivy.Query.range_query(self._schema, query.amount_field,
                                         tantivy.FieldType.Float, low, high,
                                         include_upper=include_upper if high is not None
                                         else True)

    def _facet_aggs(self, query):
        aggs = {name: {"terms": {"field": name, "size": FACET_SIZE}} for name in PLAIN_FACETS}
        for name in VALUE_SETS:
            aggs[name] = {"terms": {"field": name + "_set", "size": SETS}}
        # Every segment counts every authority (exact counts); the 4 * FACET_SIZE largest
        # counts come back, cut to FACET_SIZE here in the order of values (tantivy breaks
        # ties by the hash).
        aggs["authority"] = {"terms": {"field": "authority_key", "size": 4 * FACET_SIZE,
                                       "segment_size": SETS}}
        bands = list(zip(AMOUNT_BANDS, AMOUNT_BANDS[1:] + (None,)))
        aggs["amount"] = {"range": {"field": query.amount_field, "ranges": [
            dict({"from": low}, **({"to": high} if high else {})) for low, high in bands]}}
        return aggs

    def _facets(self, result, searcher, total):
        facets = {name: [(str(b["key"]), b["doc_count"]) for b in result[name]["buckets"]]
                  for name in PLAIN_FACETS}
        for name in VALUE_SETS:
            facets[name] = _split_sets(name, result[name])
        # Every decision with a type has one set of them: the rest have none.
        facets["type"].append((TYPE_NONE, total - sum(
            b["doc_count"] for b in result["type"]["buckets"])))
        names = self._authorities(searcher)
        buckets = result["authority"]["buckets"]
        if any(b["key"] not in names for b in buckets):
            names = self._authorities(searcher, refresh=True)  # reloaded in between
        facets["authority"] = sorted(((names[b["key"]], b["doc_count"]) for b in buckets
                                      if b["key"] in names), key=_by_count)[:FACET_SIZE]
        facets["amount"] = [("%s-%s" % (int(b["from"]), int(b["to"]) if "to" in b else ""),
                             b["doc_count"]) for b in result["amount"]["buckets"]
                            if "from" in b]  # not the bucket below 0 (no amount)
        return finish_facets({name: facets[name] for name in FACETS + ("amount",)}, total)

    def _authorities(self, searcher, refresh=False):
        """{hash: authority} of the live index, from the terms of "authority", read once
        per reload of the index."""
        cached = self._authority_names
        if refresh or cached is None or cached[0] != self._loaded:
            cached = (self._loaded, {_key(term): term for term, _ in
                                     searcher.terms_with_prefix("authority", "")})
            self._authority_names = cached
        return cached[1]

    def _plan(self, query):
        """(tantivy query, (field, order) or None for relevance, query to highlight with)."""
        text, marks = self._text_query(query)
        if text is not None and query.also_types:
            text = tantivy.Query.boolean_query([(tantivy.Occur.Should, text)] + [
                (tantivy.Occur.Should, self._raw("type_code", t)) for t in query.also_types])
        clauses = [(tantivy.Occur.Must, text)] if text else []
        clauses += [(tantivy.Occur.Must, f) for f in self._filters(query)]
        if not clauses:
            tquery = tantivy.Query.all_query()
        else:
            tquery = tantivy.Query.boolean_query(clauses)
        order = {"newest": ("day", tantivy.Order.Desc), "oldest": ("day", tantivy.Order.Asc),
                 "amount_desc": (query.amount_field, tantivy.Order.Desc),
                 "amount_asc": (query.amount_field, tantivy.Order.Asc)}.get(query.sort)
        if order is None and text is None:
            order = ("day", tantivy.Order.Desc)
        return tquery, order, marks

    def iter_search(self, query):
        """Every decision ``query`` matches, in the search's order, for exports: the
        matches are collected once (up to EXPORT_PASS of them at a time, each pass
        continuing where the last ended), and records are read a batch at a time,
        without snippets or facets."""
        searcher = self._searcher()
        tquery, order, _ = self._plan(query)
        total = searcher.search(tquery, 1, count=True).count
        for offset in range(0, total, EXPORT_PASS):
            paged = replace(query, page=offset // EXPORT_PASS + 1, page_size=EXPORT_PASS)
            if query.sort == "amount_asc":
                ids = [i for _, i in self._ascending_amounts(searcher, tquery, paged)[1]]
            else:
                kwargs = {"order_by_field": order[0], "order": order[1]} if order else {}
                ids = [searcher.doc(address)["id"][0] for _, address in searcher.search(
                    tquery, EXPORT_PASS, offset=offset, **kwargs).hits]
            for start in range(0, len(ids), BATCH):
                chunk = ids[start:start + BATCH]
                records = self.get_many(chunk)
                yield from (records[i] for i in chunk if i in records)

    def search(self, query, facets=True):
        searcher = self._searcher()
        tquery, order, marks = self._plan(query)
        # The facets are counted on another thread (tantivy releases the GIL) while this
        # one finds the page and builds its hits: both read the matches, in parallel.
        future = _pool().submit(searcher.aggregate, tquery, self._facet_aggs(query)) \
            if facets else None
        if query.sort == "amount_asc":
            total, page = self._ascending_amounts(searcher, tquery, query)
        else:
            kwargs = {"order_by_field": order[0], "order": order[1]} if order else {}
            result = searcher.search(tquery, query.page_size, count=True, offset=query.offset,
                                     **kwargs)
            total = result.count
            page = [(0.0 if order else score, searcher.doc(address)["id"][0])
                    for score, address in result.hits]
        records = self.get_many([decision_id for _, decision_id in page])
        snippets = None
        if marks is not None:
            snippets = tantivy.SnippetGenerator.create(searcher, marks, self._schema, "text")
            snippets.set_max_num_chars(160)
        hits = []
        for score, decision_id in page:
            record = records.get(decision_id)
            if record is None:
                continue
            snippet = ""
            if snippets:
                text = tantivy.Document(text=_snippet_window(search_text(record), query.terms))
                snippet = _snippet_html(snippets.snippet_from_doc(text))
            hits.append(Hit(record=record, score=float(score or 0), snippet=snippet))
        return SearchResult(total=total, hits=hits, facets=self._facets(
            future.result(), searcher, total) if future else {})

    def _ascending_amounts(self, searcher, tquery, query):
        """(total, [(score, id)]) smallest amount first, decisions without one last (their
        amount fields hold NO_AMOUNT, below every amount), newest first among them."""
        def part(condition, offset, limit, order):
            q = tantivy.Query.boolean_query([(tantivy.Occur.Must, tquery),
                                             (tantivy.Occur.Must, condition)])
            result = searcher.search(q, max(limit, 1), count=True, offset=offset,
                                     order_by_field=order[0], order=order[1])
            hits = [(0.0, searcher.doc(a)["id"][0]) for _, a in result.hits][:limit]
            return result.count, hits

        known, page = part(self._amount_range(query, 0.0, None), query.offset, query.page_size,
                           (query.amount_field, tantivy.Order.Asc))
        unknown, rest = part(self._amount_range(query, NO_AMOUNT, NO_AMOUNT),
                             max(0, query.offset - known), query.page_size - len(page),
                             ("day", tantivy.Order.Desc))
        return known + unknown, page + (rest if len(page) < query.page_size else [])


_POOL = (None, None)  # (process id, executor): a forked child starts its own threads


def _pool():
    global _POOL
    if _POOL[0] != os.getpid():
        _POOL = (os.getpid(), ThreadPoolExecutor(max_workers=os.cpu_count() or 2,
                                                 thread_name_prefix="facets"))
    return _POOL[1]


def _by_count(item):
    """The order of a terms aggregation's buckets: by count, then by value."""
    return -item[1], item[0]


def _split_sets(name, result):
    """The FACET_SIZE values most often counted in buckets of value sets (a decision
    counts once for each value of its set, as in a terms aggregation over the values)."""
    if result.get("sum_other_doc_count"):
        log.warning("facet %s: more than %d sets of values, counts are low", name, SETS)
    counts = {}
    for bucket in result["buckets"]:
        for value in bucket["key"].split(SEP):
            counts[value] = counts.get(value, 0) + bucket["doc_count"]
    return sorted(counts.items(), key=_by_count)[:FACET_SIZE]


def _dump(record):
    """A record's JSON at rest: without last_seen, which lives in its column."""
    return json.dumps({k: v for k, v in record.items() if k != "last_seen"},
                      ensure_ascii=False, sort_keys=True)


def _snippet_window(text, terms, before=80, after=320):
    """The part of ``text`` around the first literal occurrence of a term (the whole text
    when none occurs literally, e.g. a stemmed match): tokenizing a whole long decision for
    each hit costs more than the rest of the search."""
    lowered = text.lower()
    found = [i for i in (lowered.find(t.lower()) for t in terms) if i >= 0]
    if not found:
        return text
    start = max(0, min(found) - before)
    return text[start:min(found) + after]


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
        out.append(str(escape(data[pos:start].decode("utf-8", "replace"))))
        out.append("<mark>%s</mark>" % escape(data[start:end].decode("utf-8", "replace")))
        pos = end
    out.append(str(escape(data[pos:].decode("utf-8", "replace"))))
    return Markup("".join(out))
