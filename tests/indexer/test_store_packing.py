"""The embedded store keeps each record once, compressed with a dictionary of its own.

Records are the corpus's 918 real list rows of cfws (decision number, party, authority,
the penalty paragraph), shaped as the contract tests shape them.
"""

import json
import sqlite3
import zlib

import pytest
import zstandard

from indexer.schema import empty_decision
from indexer.store import open_store
from indexer.store.packing import ZSTD_MAGIC


@pytest.fixture(scope="module")
def real_records(corpus):
    rows = json.loads((corpus / "cn" / "samr_cfws" / "list_rows_price_cases.json")
                      .read_text(encoding="utf-8"))
    records = []
    for n, row in enumerate(rows):
        record = empty_decision()
        record.update(id="cfws:%d" % n, source="cn_samr_cfws", jurisdiction="CN",
                      currency="CNY", language="zh", decision_number=row["处罚文书号"],
                      party_name=row["当事人名称"], authority_name=row["处罚机关"],
                      penalty_text=row["处罚内容"], full_text=row["处罚内容"])
        records.append(record)
    return records


def _db(store_dir):
    return sqlite3.connect(str(store_dir / "decisions.sqlite"))


def test_records_are_stored_once_compressed_with_the_stores_dictionary(tmp_path, real_records):
    with open_store("embedded", str(tmp_path)) as store:
        store.upsert(real_records, now="2026-01-01T00:00:00Z")
        for record in real_records[:50]:
            got = store.get(record["id"])
            assert got == dict(record, first_seen="2026-01-01T00:00:00Z",
                               last_seen="2026-01-01T00:00:00Z")
    db = _db(tmp_path)
    (dict_id,), = db.execute("SELECT id FROM dictionaries").fetchall()
    blobs = [row[0] for row in db.execute("SELECT record FROM decisions")]
    assert all(b[:4] == ZSTD_MAGIC and zstandard.get_frame_parameters(b).dict_id == dict_id
               for b in blobs)
    # The current record is not kept a second time in versions.
    assert db.execute("SELECT count(*) FROM versions WHERE length(record) > 0").fetchone() == (0,)
    # Against the same records compressed one by one without a dictionary:
    plain = zstandard.ZstdCompressor(level=3)
    alone = sum(len(plain.compress(json.dumps(r, ensure_ascii=False).encode()))
                for r in real_records)
    assert sum(map(len, blobs)) < 0.6 * alone


def test_versions_keep_every_earlier_record_and_unchanged_rows_are_not_rewritten(
        tmp_path, real_records):
    first, edited = real_records[0], dict(real_records[0], penalty_text="罚款1000元。")
    with open_store("embedded", str(tmp_path)) as store:
        store.upsert([first], now="2026-01-01T00:00:00Z")
        before = _db(tmp_path).execute("SELECT record FROM decisions").fetchone()
        store.upsert([first], now="2026-02-01T00:00:00Z")
        assert _db(tmp_path).execute("SELECT record FROM decisions").fetchone() == before
        assert store.get(first["id"])["last_seen"] == "2026-02-01T00:00:00Z"
        # Two versions in one batch, then the withdrawal of the newest.
        store.upsert([edited, dict(edited, penalty_text="警告。")], now="2026-03-01T00:00:00Z")
        assert store.withdraw(first["id"])
        versions = store.versions(first["id"])
    assert [v["version"] for v in versions] == [1, 2, 3]
    assert [v["record"]["penalty_text"] for v in versions] == [
        first["penalty_text"], "罚款1000元。", "警告。"]
    assert versions[-1]["record"]["status"] == "withdrawn"
    assert _db(tmp_path).execute(
        "SELECT version FROM versions WHERE length(record) = 0").fetchall() == [(3,)]


def test_a_store_of_the_older_layout_is_read_and_loses_its_second_copies(
        tmp_path, real_records):
    """Older releases kept records as JSON text and every version, the current one too,
    zlib-compressed in versions."""
    db = _db(tmp_path)
    db.executescript("""
        CREATE TABLE decisions (id TEXT PRIMARY KEY, version INTEGER NOT NULL,
            content_hash TEXT NOT NULL, status TEXT NOT NULL, first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL, record TEXT NOT NULL);
        CREATE TABLE versions (id TEXT NOT NULL, version INTEGER NOT NULL,
            content_hash TEXT NOT NULL, recorded_at TEXT NOT NULL, record TEXT NOT NULL,
            PRIMARY KEY (id, version));""")
    record = dict(real_records[1], version=2, status="active", first_seen="2025-01-01",
                  last_seen="2025-06-01")
    older = dict(record, version=1, penalty_text="警告。")
    text = json.dumps(record, ensure_ascii=False)
    db.execute("INSERT INTO decisions VALUES (?, 2, 'h2', 'active', '2025-01-01', "
               "'2025-06-01', ?)", (record["id"], text))
    db.executemany("INSERT INTO versions VALUES (?, ?, ?, ?, ?)", [
        (record["id"], 1, "h1", "2025-01-01", zlib.compress(json.dumps(older).encode())),
        (record["id"], 2, "h2", "2025-03-01", zlib.compress(text.encode()))])
    db.commit()
    db.close()
    with open_store("embedded", str(tmp_path)) as store:
        assert store.get(record["id"])["penalty_text"] == record["penalty_text"]
        versions = store.versions(record["id"])
    assert [v["record"]["penalty_text"] for v in versions] == ["警告。", record["penalty_text"]]
    assert _db(tmp_path).execute("SELECT version, length(record) > 0 FROM versions "
                                 "ORDER BY version").fetchall() == [(1, 1), (2, 0)]
