"""Bulk datasets: a dated release of every decision, in the formats researchers' tools read.

``export_release(store, exports_dir)`` makes ``<exports_dir>/<YYYY-MM-DD>/`` holding::

    decisions.csv.gz        one row per decision, English field names (the Decision schema)
    decisions.zh.csv.gz     the same decisions under the 双公示 column names (export_zh.yaml)
    decisions.jsonl.gz      full records, one JSON object per line
    decisions.parquet       typed columns (dates, timestamps, decimals, lists, structs)
    decisions.sqlite        a ready-to-query database (one table per list field too)
    by-source/<source>.csv.gz, by-year/<year>.csv.gz   slices of decisions.csv.gz
    ids.csv.gz              id, version, status and content hash of every decision
    delta.jsonl.gz          added / changed / withdrawn since the previous release (with
                            the records; a first release lists its ids only)
    datapackage.json        Frictionless Data Package: schemas, licence, sources, counts
    SHA256SUMS              checksums of every file above (``sha256sum -c`` reads it)

and updates ``<exports_dir>/index.json`` (newest release first) for machines to poll.

Everything is written in one pass over ``store.iter_decisions()``: rows are written as they
come (gzip streams, Parquet record batches, SQLite ``executemany`` chunks), so memory stays
flat whatever the archive size.  The delta is a merge of this release's ``ids.csv.gz`` with
the previous one's, both in id order.  A release is written under a temporary name and
renamed when complete; ``index.json`` is replaced atomically.

CSV cells are neutralised against formula injection: a cell that begins with ``=``, ``+``,
``-``, ``@``, a tab, a carriage return or an apostrophe gets one leading apostrophe.  The
rule is reversible: drop one leading apostrophe from any cell that has one
(``unneutralise``).  Personal data in the files is what the records hold: the masked
``full_text`` and ``summary``, never a document's raw text.
"""

import csv
import gzip
import hashlib
import json
import logging
import os
import re
import shutil
import sqlite3
from collections import Counter
from dataclasses import replace
from datetime import date, datetime, timezone
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

import yaml

from indexer.schema import DECISION_FIELDS, DECISION_SCHEMA
from indexer.store.base import content_hash

log = logging.getLogger(__name__)

AMOUNT_PATTERN = r"^\d+(\.\d+)?$"
DECIMAL_PRECISION, DECIMAL_SCALE = 38, 6  # Parquet decimals: up to 32 integer digits
LIST_DELIMITER = ";"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "'")
GZIP_LEVEL = 4  # half the CPU of level 6 for files about 6 % larger
PARQUET_BATCH = 2000
SQLITE_CHUNK = 1000
SEARCH_BATCH = 100
DEFAULT_LICENSE = {
    "name": "CC-BY-4.0",
    "title": "Creative Commons Attribution 4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
}
# Licences that sources state for their texts (the records' licence field).
SOURCE_LICENSES = {
    "CC-BY-NC-SA-4.0": {"name": "CC-BY-NC-SA-4.0",
                        "title": "Creative Commons Attribution-NonCommercial-ShareAlike 4.0",
                        "path": "https://creativecommons.org/licenses/by-nc-sa/4.0/"},
}
LICENSE_NOTE = ("The compilation (normalized fields, classifications, this package) is "
                "licensed CC-BY-4.0. The decisions are official documents published by the "
                "authorities named in each row; their texts are quoted as published, with "
                "personal identifiers of natural persons masked. Rows whose licence field "
                "names a licence (e.g. GDPRhub's CC-BY-NC-SA-4.0 summaries) carry texts "
                "under that licence.")
PACKAGE_NAME = "penalty-archive-decisions"
CITATION_TEMPLATE = ("Penalty Archive, administrative penalty decisions, release {name} "
                     "({decisions} decisions), {url}")
_SLICE_NAME = re.compile(r"^[a-z0-9_]+$")
_ZH_MAPPING = os.path.join(os.path.dirname(os.path.abspath(__file__)), "export_zh.yaml")


class ExportError(RuntimeError):
    """A release that cannot be written (the message says why)."""


# -- columns -------------------------------------------------------------------------------

def column_kind(spec):
    """How a Decision field is written: string, date, datetime, decimal, boolean, integer,
    number, list (of strings), records (list of objects), map (string -> string), json."""
    types = spec.get("type")
    if types is None and "enum" in spec:
        return "string"
    if isinstance(types, list):
        types = [t for t in types if t != "null"]
        types = types[0] if len(types) == 1 else None
    if types == "string":
        if spec.get("format") == "date":
            return "date"
        if spec.get("format") == "date-time":
            return "datetime"
        if spec.get("pattern") == AMOUNT_PATTERN:
            return "decimal"
        return "string"
    if types in ("boolean", "integer", "number"):
        return types
    if types == "array":
        items = spec.get("items", {})
        if items.get("type") == "object":
            return "records" if items.get("properties") else "json"
        return "list"
    if types == "object":
        extra = spec.get("additionalProperties")
        return "map" if isinstance(extra, dict) and extra.get("type") == "string" else "json"
    return "json"


COLUMNS = list(DECISION_FIELDS)
KINDS = {name: column_kind(spec) for name, spec in DECISION_FIELDS.items()}


def neutralise(cell):
    """Guard a CSV cell against formula injection (reversed by ``unneutralise``)."""
    if cell and cell.startswith(FORMULA_PREFIXES):
        return "'" + cell
    return cell


def unneutralise(cell):
    """The cell as it was before ``neutralise``."""
    if isinstance(cell, str) and cell.startswith("'"):
        return cell[1:]
    return cell


def _json(value):
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def csv_cell(value, kind):
    """One CSV cell for a Decision value (before neutralising)."""
    if value is None:
        return ""
    if kind == "list":
        return LIST_DELIMITER.join(str(v) for v in value)
    if kind in ("records", "map", "json"):
        return _json(value) if value or kind == "json" else ""
    if kind == "boolean":
        return "true" if value else "false"
    return str(value)


def csv_row(record):
    return [neutralise(csv_cell(record.get(name), KINDS[name])) for name in COLUMNS]


def table_schema():
    """The Frictionless Table Schema of decisions.csv.gz."""
    fields = []
    for name, spec in DECISION_FIELDS.items():
        kind = KINDS[name]
        field = {"name": name, "description": spec.get("description", "")}
        if kind in ("string",):
            field["type"] = "string"
            enum = [v for v in spec.get("enum", []) if v is not None]
            if enum:
                field["constraints"] = {"enum": enum}
        elif kind == "decimal":
            field.update(type="number", bareNumber=True)
        elif kind == "list":
            field.update(type="list", delimiter=LIST_DELIMITER, itemType="string")
        elif kind == "records":
            field["type"] = "array"
        elif kind in ("map", "json"):
            field["type"] = "object" if kind == "map" else "any"
        elif kind == "boolean":
            field.update(type="boolean", trueValues=["true"], falseValues=["false"])
        else:
            field["type"] = kind
        if name in DECISION_SCHEMA.get("required", []) and kind not in ("list", "records"):
            field.setdefault("constraints", {})["required"] = True
        fields.append(field)
    return {"fields": fields, "primaryKey": ["id"], "missingValues": [""]}


# -- the Chinese-header variant ------------------------------------------------------------

def load_zh_mapping(path=_ZH_MAPPING):
    with open(path, encoding="utf-8") as f:
        mapping = yaml.safe_load(f)
    for column in mapping["columns"]:
        if column["field"] not in DECISION_FIELDS:
            raise ExportError("%s: unknown field %r" % (path, column["field"]))
    return mapping


def _wan(value):
    """A decimal string in yuan as 万元, exactly."""
    amount = Decimal(value).scaleb(-4).normalize()
    return format(amount, "f")


def zh_row(record, mapping):
    row = []
    for column in mapping["columns"]:
        name = column["field"]
        value = record.get(name)
        if value is None or value == []:
            cell = ""
        elif column.get("unit") == 10000:
            cell = _wan(value) if record.get("currency") == "CNY" else ""
        elif KINDS[name] == "records":
            cell = "；".join(c.get("raw") or "" for c in value)
        elif KINDS[name] == "list":
            labels = mapping.get("labels", {}).get(column.get("labels"), {})
            cell = "；".join(labels.get(v, v) for v in value)
        else:
            cell = csv_cell(value, KINDS[name])
        row.append(neutralise(cell))
    return row


def zh_table_schema(mapping):
    fields = []
    for column in mapping["columns"]:
        name = column["field"]
        kind = KINDS[name]
        spec = DECISION_FIELDS[name]
        field = {"name": column["header"],
                 "description": "%s (Decision field `%s`%s)" % (
                     spec.get("description", ""), name,
                     ", in 万元" if column.get("unit") == 10000 else "")}
        if column.get("unit") == 10000:
            field.update(type="number", bareNumber=True)
        elif kind == "date":
            field["type"] = "date"
        else:
            field["type"] = "string"
        fields.append(field)
    return {"fields": fields, "missingValues": [""]}


# -- Parquet -------------------------------------------------------------------------------

def _arrow():
    import pyarrow as pa
    import pyarrow.parquet as pq

    return pa, pq


def arrow_schema():
    pa, _ = _arrow()
    fields = []
    for name, spec in DECISION_FIELDS.items():
        kind = KINDS[name]
        if kind == "date":
            kind_type = pa.date32()
        elif kind == "datetime":
            kind_type = pa.timestamp("s", tz="UTC")
        elif kind == "decimal":
            kind_type = pa.decimal128(DECIMAL_PRECISION, DECIMAL_SCALE)
        elif kind == "boolean":
            kind_type = pa.bool_()
        elif kind == "integer":
            kind_type = pa.int64()
        elif kind == "number":
            kind_type = pa.float64()
        elif kind == "list":
            kind_type = pa.list_(pa.string())
        elif kind == "records":
            props = spec["items"].get("properties", {})
            kind_type = pa.list_(pa.struct([(p, pa.string()) for p in props]))
        elif kind == "map":
            kind_type = pa.map_(pa.string(), pa.string())
        else:
            kind_type = pa.string()
        fields.append(pa.field(name, kind_type, nullable=True,
                               metadata={"description": spec.get("description", "")}))
    return pa.schema(fields)


_QUANTUM = Decimal(1).scaleb(-DECIMAL_SCALE)


class _Typer:
    """Decision values -> Python values pyarrow takes for the typed columns."""

    def __init__(self):
        self.problems = Counter()

    def __call__(self, name, value):
        if value is None:
            return None
        kind = KINDS[name]
        try:
            if kind == "date":
                return date.fromisoformat(value)
            if kind == "datetime":
                moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
                return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
            if kind == "decimal":
                amount = Decimal(value)
                exact = amount.quantize(_QUANTUM, rounding=ROUND_HALF_EVEN)
                if exact != amount:
                    self.problems["%s rounded to %d decimals" % (name, DECIMAL_SCALE)] += 1
                return exact
            if kind == "records":
                return [{k: (None if c.get(k) is None else str(c.get(k)))
                         for k in DECISION_FIELDS[name]["items"].get("properties", {})}
                        for c in value]
            if kind == "map":
                return [(str(k), None if v is None else str(v)) for k, v in value.items()]
            if kind == "json":
                return _json(value)
            if kind == "list":
                return [str(v) for v in value]
        except (ValueError, TypeError, AttributeError, InvalidOperation):
            self.problems["%s not a valid %s" % (name, kind)] += 1
            return None
        return value


class _ParquetWriter:
    def __init__(self, path):
        pa, pq = _arrow()
        self.pa = pa
        self.schema = arrow_schema()
        self.writer = pq.ParquetWriter(path, self.schema, compression="zstd")
        self.typer = _Typer()
        self.batch = []

    def write(self, record):
        self.batch.append(record)
        if len(self.batch) >= PARQUET_BATCH:
            self.flush()

    def flush(self):
        if not self.batch:
            return
        columns = {name: [self.typer(name, r.get(name)) for r in self.batch] for name in COLUMNS}
        self.writer.write_table(self.pa.Table.from_pydict(columns, schema=self.schema))
        self.batch = []

    def close(self):
        self.flush()
        self.writer.close()
        for problem, count in self.typer.problems.items():
            log.warning("parquet: %d records: %s (null written)", count, problem)


# -- SQLite --------------------------------------------------------------------------------

_SQL_TYPES = {"integer": "INTEGER", "boolean": "INTEGER", "decimal": "REAL", "number": "REAL"}


def _sql_value(value, kind):
    if value is None:
        return None
    if kind == "boolean":
        return int(bool(value))
    if kind == "decimal":
        return float(value)
    if kind in ("list", "records", "map", "json"):
        return _json(value)
    return value


class _SqliteWriter:
    """decisions (one row each; lists as JSON) + one table per list field for joins."""

    def __init__(self, path):
        self.db = sqlite3.connect(path)
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("PRAGMA synchronous=OFF")
        columns = ", ".join(
            '"%s" %s%s' % (name, _SQL_TYPES.get(KINDS[name], "TEXT"),
                           " PRIMARY KEY" if name == "id" else "")
            for name in COLUMNS)
        self.db.execute("CREATE TABLE decisions (%s)" % columns)
        self.children = {}
        for name, kind in KINDS.items():
            if kind == "list":
                cols = ["value TEXT"]
            elif kind == "records":
                cols = ["position INTEGER"] + ['"%s" TEXT' % p for p in
                                               DECISION_FIELDS[name]["items"]["properties"]]
            elif kind == "map":
                cols = ["key TEXT", "value TEXT"]
            else:
                continue
            self.db.execute('CREATE TABLE "%s" (decision_id TEXT NOT NULL, %s)'
                            % (name, ", ".join(cols)))
            self.children[name] = []
        self.rows = []
        self.insert = "INSERT INTO decisions VALUES (%s)" % ",".join("?" * len(COLUMNS))

    def write(self, record):
        self.rows.append([_sql_value(record.get(n), KINDS[n]) for n in COLUMNS])
        for name, rows in self.children.items():
            value = record.get(name)
            if not value:
                continue
            if KINDS[name] == "list":
                rows.extend((record["id"], v) for v in value)
            elif KINDS[name] == "records":
                props = DECISION_FIELDS[name]["items"]["properties"]
                rows.extend([record["id"], i] + [c.get(p) for p in props]
                            for i, c in enumerate(value))
            else:
                rows.extend((record["id"], k, v) for k, v in value.items())
        if len(self.rows) >= SQLITE_CHUNK:
            self.flush()

    def flush(self):
        with self.db:
            self.db.executemany(self.insert, self.rows)
            for name, rows in self.children.items():
                if rows:
                    self.db.executemany('INSERT INTO "%s" VALUES (%s)' % (
                        name, ",".join("?" * len(rows[0]))), rows)
                    rows.clear()
        self.rows = []

    def close(self, metadata):
        self.flush()
        with self.db:
            for name in ("source", "decision_date", "party_name", "authority_name", "status"):
                if name in KINDS:
                    self.db.execute('CREATE INDEX "decisions_%s" ON decisions ("%s")'
                                    % (name, name))
            for name in self.children:
                self.db.execute('CREATE INDEX "%s_decision" ON "%s" (decision_id)'
                                % (name, name))
                if KINDS[name] == "list":
                    self.db.execute('CREATE INDEX "%s_value" ON "%s" (value)' % (name, name))
            self.db.execute("CREATE TABLE release (key TEXT PRIMARY KEY, value TEXT)")
            self.db.executemany("INSERT INTO release VALUES (?, ?)",
                                [(k, v if isinstance(v, str) else _json(v))
                                 for k, v in metadata.items()])
        self.db.execute("ANALYZE")
        self.db.close()


# -- gzip streams ---------------------------------------------------------------------------

class _GzipCsv:
    def __init__(self, path, header):
        self.file = gzip.open(path, "wt", encoding="utf-8", newline="",
                              compresslevel=GZIP_LEVEL)
        self.writer = csv.writer(self.file)
        self.writer.writerow(header)
        self.rows = 0

    def write(self, row):
        self.writer.writerow(row)
        self.rows += 1

    def close(self):
        self.file.close()


class _GzipJsonl:
    def __init__(self, path):
        self.file = gzip.open(path, "wt", encoding="utf-8", compresslevel=GZIP_LEVEL)
        self.rows = 0

    def write(self, obj):
        self.file.write(_json(obj))
        self.file.write("\n")
        self.rows += 1

    def close(self):
        self.file.close()


# -- the delta -----------------------------------------------------------------------------

IDS_HEADER = ["id", "version", "status", "content_hash"]


class _Delta:
    """Merge-join of this release's ids with the previous release's, both in id order."""

    def __init__(self, previous_ids, path):
        self.out = _GzipJsonl(path)
        self.counts = Counter(added=0, changed=0, withdrawn=0)
        self._file = gzip.open(previous_ids, "rt", encoding="utf-8", newline="") \
            if previous_ids else None
        self._rows = csv.reader(self._file) if self._file else iter(())
        header = next(self._rows, None)
        if header is not None and header != IDS_HEADER:
            raise ExportError("%s: unexpected header %r" % (previous_ids, header))
        self._pending = next(self._rows, None)

    def _emit(self, change, decision_id, record=None, digest=None):
        self.counts[change] += 1
        line = {"change": change, "id": decision_id}
        if record is not None:
            line.update(version=record.get("version"), content_hash=digest)
            if self._file is not None:  # a first release's records are all in decisions.*
                line["record"] = record
        self.out.write(line)

    def feed(self, record, digest):
        decision_id = record["id"]
        while self._pending is not None and self._pending[0] < decision_id:
            if self._pending[2] != "withdrawn":
                self._emit("withdrawn", self._pending[0])  # gone from the archive
            self._pending = next(self._rows, None)
        if self._pending is not None and self._pending[0] == decision_id:
            _, _, old_status, old_hash = self._pending
            self._pending = next(self._rows, None)
            if record.get("status") == "withdrawn":
                if old_status != "withdrawn":
                    self._emit("withdrawn", decision_id, record, digest)
            elif old_hash != digest or old_status != record.get("status"):
                self._emit("changed", decision_id, record, digest)
        else:
            self._emit("added", decision_id, record, digest)

    def close(self):
        while self._pending is not None:
            if self._pending[2] != "withdrawn":
                self._emit("withdrawn", self._pending[0])
            self._pending = next(self._rows, None)
        if self._file:
            self._file.close()
        self.out.close()


# -- the release ---------------------------------------------------------------------------

def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _year(record):
    day = record.get("decision_date") or record.get("published_date") or ""
    return day[:4] if re.match(r"^\d{4}", day) else "undated"


def _slice_name(value):
    return value if value and _SLICE_NAME.match(value) else "other"


def read_index(exports_dir):
    """``index.json`` of an exports directory ({"releases": []} when there is none)."""
    try:
        with open(os.path.join(exports_dir, "index.json"), encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return {"latest": None, "updated": None, "releases": []}


def _write_json_atomic(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=1)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _release_name(exports_dir, now):
    base = now.date().isoformat()
    name, n = base, 1
    while os.path.exists(os.path.join(exports_dir, name)):
        n += 1
        name = "%s-%d" % (base, n)
    return name


def _resource(name, path, folder, title, rows=None, schema=None, mediatype=None, fmt=None,
              description=None):
    full = os.path.join(folder, path)
    resource = {"name": name, "path": path, "title": title}
    if description:
        resource["description"] = description
    if schema is not None:
        resource.update(type="table", scheme="file", format="csv", mediatype="text/csv",
                        encoding="utf-8", compression="gz", schema=schema)
    else:
        resource.update(type="file", format=fmt, mediatype=mediatype)
    resource["bytes"] = os.path.getsize(full)
    resource["hash"] = "sha256:" + _sha256(full)
    if rows is not None:
        if schema is not None:
            resource["rows"] = rows  # checked by `frictionless validate`
        else:
            resource["x_rows"] = rows
    return resource


def export_release(store, exports_dir, name=None, sources=None, now=None, base_url=""):
    """Write a release of every decision in ``store``; returns its index.json entry.

    ``sources`` maps a source name to {"title", "path"} for the package's ``sources``;
    ``base_url`` is where the site serves releases (for the how-to-cite line).
    """
    now = (now or datetime.now(timezone.utc)).replace(microsecond=0)
    os.makedirs(exports_dir, exist_ok=True)
    for entry in os.listdir(exports_dir):  # a crashed run's leftovers
        if entry.startswith(".tmp-"):
            shutil.rmtree(os.path.join(exports_dir, entry), ignore_errors=True)
    index = read_index(exports_dir)
    name = name or _release_name(exports_dir, now)
    if not re.match(r"^[0-9A-Za-z][0-9A-Za-z._-]*$", name):
        raise ExportError("release name %r: letters, digits, '.', '_' and '-' only" % name)
    if os.path.exists(os.path.join(exports_dir, name)):
        raise ExportError("release %s exists already" % name)
    previous = next((r for r in index["releases"] if os.path.exists(
        os.path.join(exports_dir, r["name"], "ids.csv.gz"))), None)
    folder = os.path.join(exports_dir, ".tmp-" + name)
    os.makedirs(os.path.join(folder, "by-source"))
    os.makedirs(os.path.join(folder, "by-year"))
    try:
        entry = _write_release(store, folder, name, now, previous, exports_dir,
                               sources or {}, base_url)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    os.rename(folder, os.path.join(exports_dir, name))
    index["releases"] = [entry] + [r for r in index["releases"] if r["name"] != name]
    index.update(latest=name, updated=now.isoformat())
    _write_json_atomic(os.path.join(exports_dir, "index.json"), index)
    return entry


def _write_release(store, folder, name, now, previous, exports_dir, sources, base_url):
    mapping = load_zh_mapping()
    header = list(COLUMNS)
    main_csv = _GzipCsv(os.path.join(folder, "decisions.csv.gz"), header)
    zh_csv = _GzipCsv(os.path.join(folder, "decisions.zh.csv.gz"),
                      [c["header"] for c in mapping["columns"]])
    jsonl = _GzipJsonl(os.path.join(folder, "decisions.jsonl.gz"))
    ids = _GzipCsv(os.path.join(folder, "ids.csv.gz"), IDS_HEADER)
    parquet = _ParquetWriter(os.path.join(folder, "decisions.parquet"))
    database = _SqliteWriter(os.path.join(folder, "decisions.sqlite"))
    delta = _Delta(os.path.join(exports_dir, previous["name"], "ids.csv.gz")
                   if previous else None, os.path.join(folder, "delta.jsonl.gz"))
    slices = {}
    by_status, by_source, by_year, licences = Counter(), Counter(), Counter(), Counter()
    last_id = None
    try:
        for record in store.iter_decisions():
            decision_id = record["id"]
            if last_id is not None and decision_id <= last_id:
                raise ExportError("the store did not yield decisions in id order (%r after %r)"
                                  % (decision_id, last_id))
            last_id = decision_id
            digest = content_hash(record)
            row = csv_row(record)
            main_csv.write(row)
            zh_csv.write(zh_row(record, mapping))
            jsonl.write(record)
            ids.write([decision_id, record.get("version"), record.get("status"), digest])
            parquet.write(record)
            database.write(record)
            delta.feed(record, digest)
            source, year = _slice_name(record.get("source")), _year(record)
            for key in (("by-source", source), ("by-year", year)):
                writer = slices.get(key)
                if writer is None:
                    writer = slices[key] = _GzipCsv(
                        os.path.join(folder, key[0], key[1] + ".csv.gz"), header)
                writer.write(row)
            by_status[record.get("status")] += 1
            by_source[source] += 1
            if record.get("licence"):
                licences[record["licence"]] += 1
            by_year[year] += 1
    finally:
        for writer in [main_csv, zh_csv, jsonl, ids, parquet, delta] + list(slices.values()):
            writer.close()
    total = main_csv.rows
    counts = {"decisions": total, "by_status": dict(sorted(by_status.items())),
              "by_source": dict(sorted(by_source.items())),
              "by_year": dict(sorted(by_year.items()))}
    delta_info = dict(delta.counts, previous=previous["name"] if previous else None)
    database.close({"name": name, "created": now.isoformat(), "decisions": str(total),
                    "license": DEFAULT_LICENSE["name"], "delta": delta_info})
    schema, zh_schema = table_schema(), zh_table_schema(mapping)
    ids_schema = {"fields": [
        {"name": "id", "type": "string", "description": "archive id"},
        {"name": "version", "type": "integer", "description": "version of the record"},
        {"name": "status", "type": "string", "description": "active / withdrawn / ..."},
        {"name": "content_hash", "type": "string",
         "description": "SHA-256 of the record without its volatile fields"}],
        "primaryKey": ["id"], "missingValues": [""]}
    resources = [
        _resource("decisions", "decisions.csv.gz", folder, "Decisions (CSV)", total, schema,
                  description="One row per decision. Lists are joined with ';'; citations "
                              "and evidence are JSON. Cells beginning with = + - @ tab, "
                              "carriage return or ' carry one extra leading '."),
        _resource("decisions-zh", "decisions.zh.csv.gz", folder,
                  "Decisions, 双公示 column names (CSV)", total, zh_schema,
                  description="行政处罚信息公示 columns; amounts in 万元 for CNY decisions."),
        _resource("decisions-jsonl", "decisions.jsonl.gz", folder, "Decisions (JSON lines)",
                  total, mediatype="application/gzip", fmt="jsonl",
                  description="Full Decision records (docs/schema.md), one per line."),
        _resource("decisions-parquet", "decisions.parquet", folder, "Decisions (Parquet)",
                  total, mediatype="application/vnd.apache.parquet", fmt="parquet"),
        _resource("decisions-sqlite", "decisions.sqlite", folder, "Decisions (SQLite)",
                  total, mediatype="application/vnd.sqlite3", fmt="sqlite",
                  description="Table decisions (lists as JSON; amounts as REAL) and one "
                              "table per list field (violation_types, legal_basis, ...)."),
        _resource("ids", "ids.csv.gz", folder, "Ids and content hashes", ids.rows, ids_schema),
        _resource("delta", "delta.jsonl.gz", folder, "Changes since the previous release",
                  delta.out.rows, mediatype="application/gzip", fmt="jsonl",
                  description="added / changed / withdrawn since %s"
                              % (previous["name"] if previous else "nothing (first release)")),
    ]
    for (kind, value), writer in sorted(slices.items()):
        resources.append(_resource("%s-%s" % (kind, value.replace("_", "-")),
                                   "%s/%s.csv.gz" % (kind, value), folder,
                                   "Decisions, %s %s" % (kind.split("-")[1], value),
                                   writer.rows, schema))
    package_sources = [dict({"title": sources.get(s, {}).get("title") or s, "name": s},
                            **({"path": sources[s]["path"]} if sources.get(s, {}).get("path")
                               else {}))
                       for s in sorted(by_source)]
    url = (base_url.rstrip("/") + "/downloads/" + name) if base_url else "/downloads/" + name
    package = {
        "name": PACKAGE_NAME,
        "title": "Penalty Archive: administrative penalty decisions",
        "description": "Administrative penalty decisions collected from the regulators that "
                       "publish them, normalized (party, authority, decision number, dates, "
                       "penalty, amounts, legal basis, violation types). " + LICENSE_NOTE,
        "version": name,
        "created": now.isoformat().replace("+00:00", "Z"),
        "licenses": [DEFAULT_LICENSE] + [
            dict(SOURCE_LICENSES.get(name, {"name": name}), x_rows=rows,
                 title="%s (the texts of the rows whose licence field says so)"
                       % SOURCE_LICENSES.get(name, {}).get("title", name))
            for name, rows in sorted(licences.items())],
        "sources": package_sources,
        "keywords": ["administrative penalties", "行政处罚", "regulation", "enforcement"],
        "x_counts": counts,
        "x_delta": delta_info,
        "x_citation": CITATION_TEMPLATE.format(name=name, decisions=total, url=url),
        "resources": resources,
    }
    _write_json_atomic(os.path.join(folder, "datapackage.json"), package)
    files = []
    for resource in resources:
        files.append({"path": resource["path"], "bytes": resource["bytes"],
                      "sha256": resource["hash"].split(":", 1)[1],
                      "rows": resource.get("rows", resource.get("x_rows")),
                      "title": resource["title"]})
    package_path = os.path.join(folder, "datapackage.json")
    files.append({"path": "datapackage.json", "bytes": os.path.getsize(package_path),
                  "sha256": _sha256(package_path), "rows": None,
                  "title": "Data Package descriptor"})
    with open(os.path.join(folder, "SHA256SUMS"), "w", encoding="utf-8") as f:
        for item in files:
            f.write("%s  %s\n" % (item["sha256"], item["path"]))
    sums = os.path.join(folder, "SHA256SUMS")
    files.append({"path": "SHA256SUMS", "bytes": os.path.getsize(sums),
                  "sha256": _sha256(sums), "rows": None, "title": "Checksums"})
    return {"name": name, "created": now.isoformat(), "path": name + "/",
            "decisions": total, "counts": counts, "delta": delta_info,
            "citation": package["x_citation"], "files": files}


# -- filtered exports (search results) ------------------------------------------------------

def iter_matches(store, query, batch=SEARCH_BATCH):
    """Every decision matching ``query``, streamed a page at a time (no row cap).

    Uses the store's own ``iter_search`` where it has one; otherwise pages through
    ``search`` (without facets where the store allows it).  The query's own page and
    page size are ignored.
    """
    own = getattr(store, "iter_search", None)
    if own is not None:
        yield from own(query)
        return
    page = 1
    while True:
        paged = replace(query, page=page, page_size=batch)
        try:
            result = store.search(paged, facets=False)
        except TypeError:
            result = store.search(paged)
        for hit in result.hits:
            yield hit.record
        if not result.hits or page * batch >= result.total:
            return
        page += 1


def csv_header():
    return list(COLUMNS)
