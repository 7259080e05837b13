"""The store interface: every backend (embedded, Elasticsearch) implements this class.

A store keeps the current version of each Decision, its earlier versions, and a search
index over the current versions.  ``upsert`` decides whether a record is new, changed
(a new version) or unchanged by the hash of its content (provenance timestamps excluded).
"""

import hashlib
import json
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime, timezone

from indexer.query import AMOUNT_UNKNOWN, CURRENCIES

FACET_SIZE = 50  # values per facet that a search returns
# Han characters, as a regular-expression character class body.
HAN = ("\u2e80-\u2fdf\u3005\u3007\u3021-\u3029\u3038-\u303b\u3400-\u4dbf\u4e00-\u9fff"
       "\uf900-\ufaff\U00020000-\U0002fa1f")

# Fields that change on every crawl without the decision changing.
VOLATILE_FIELDS = ("fetched_at", "first_seen", "last_seen", "version", "status")


def content_hash(record):
    stable = {k: v for k, v in record.items() if k not in VOLATILE_FIELDS}
    blob = json.dumps(stable, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@dataclass
class UpsertStats:
    new: int = 0
    changed: int = 0
    unchanged: int = 0

    def __add__(self, other):
        return UpsertStats(self.new + other.new, self.changed + other.changed,
                           self.unchanged + other.unchanged)


def now_utc():
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def search_text(record):
    """The text a decision is found by."""
    fields = ("decision_number", "title", "party_name", "authority_name", "penalty_text",
              "summary", "full_text")
    return "\n".join(p for p in (record.get(k) for k in fields) if p)


def type_prefixes(codes):
    """Every level of the taxonomy codes: pi.lawful_basis -> pi, pi.lawful_basis."""
    out = set()
    for code in codes:
        parts = code.split(".")
        out.update(".".join(parts[:i + 1]) for i in range(len(parts)))
    return sorted(out)


def converted_amounts(record):
    """{"amount_cny": float or None, ...}: the total in each search currency."""
    out = {}
    for currency in CURRENCIES:
        name = "amount_" + currency.lower()
        value = record.get(name)
        if value in (None, "") and record.get("currency") == currency:
            value = record.get("total_amount")
        out[name] = float(value) if value not in (None, "") else None
    return out


def plan_version(record, known, now, stats):
    """Decide what upserting ``record`` means, for every store alike.

    ``known`` maps ids to (version, content hash, first_seen, document_pending) of what is
    stored, and is updated as the batch goes on.  Returns (record, digest): the record to
    store with version, first_seen, last_seen and status set, or None when it is unchanged
    (only its last_seen moves).  A changed record gets the next version, except that
    fetching a pending document completes the record and is no new version.
    """
    record = dict(record)
    digest = content_hash(record)
    row = known.get(record["id"])
    if row and row[1] == digest:
        stats.unchanged += 1
        return None, digest
    if row is None:
        version, first_seen = 1, now
        stats.new += 1
    else:
        version = row[0] if row[3] else row[0] + 1
        first_seen = row[2]
        stats.changed += 1
    record.update(version=version, first_seen=first_seen, last_seen=now,
                  status=record.get("status") or "active")
    known[record["id"]] = (version, digest, first_seen, record.get("document_pending"))
    return record, digest


def finish_facets(facets, total):
    """The facets every store returns, from its raw counts: "region" split into
    subdivisions (``CN-ZJ``) and countries (facet "jurisdiction", as the filters are),
    decisions without an amount counted as the amount band ``unknown``, values counted 0
    left out.  ``facets["amount"]`` must hold every band (they cover all amounts)."""
    out = dict(facets)
    if "region" in out:
        regions = out["region"]
        out["region"] = [(v, c) for v, c in regions if "-" in v]
        out["jurisdiction"] = [(v, c) for v, c in regions if "-" not in v]
    if "amount" in out:
        bands = list(out["amount"])
        out["amount"] = bands + [(AMOUNT_UNKNOWN, total - sum(c for _, c in bands))]
    return {name: [(v, c) for v, c in values if c] for name, values in out.items()}


@dataclass
class Hit:
    record: dict
    score: float = 0.0
    snippet: str = ""  # HTML: escaped text with <mark> around matches


@dataclass
class SearchResult:
    total: int
    hits: list
    facets: dict = field(default_factory=dict)


class NoIndex(RuntimeError):
    """The store has no search index yet (nothing has been indexed)."""


class Store(ABC):
    """One interface, passed the same contract tests by every backend."""

    @abstractmethod
    def upsert(self, records, now=None):
        """Add or update Decision records; returns UpsertStats."""

    @abstractmethod
    def get(self, decision_id):
        """The current version of a decision, or None."""

    @abstractmethod
    def versions(self, decision_id):
        """All versions of a decision, oldest first: [{version, recorded_at, record}]."""

    @abstractmethod
    def withdraw(self, decision_id, now=None):
        """Mark a decision withdrawn (it stays in the archive)."""

    @abstractmethod
    def search(self, query):
        """Run an indexer.query.Query; returns SearchResult."""

    @abstractmethod
    def iter_decisions(self):
        """Every current decision, in id order, streaming."""

    @abstractmethod
    def count(self):
        """Number of decisions stored."""

    @abstractmethod
    def rebuild(self):
        """Rebuild the search index from the stored records (atomically)."""

    def reconcile(self):
        """Index what an interrupted run stored but did not index; how many decisions.
        A backend whose records and index are one write has nothing to do."""
        return 0

    def agreement(self):
        """{"records", "searchable", "missing", "extra", "duplicated"} (ids): do the
        stored records and the search index hold the same decisions, once each?"""
        count = self.count()
        return {"records": count, "searchable": count, "missing": [], "extra": [],
                "duplicated": []}

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
