"""Normalization rate: raw items -> Decisions per second on one core (no document reading).

Builds N raw items (default 100,000) by cycling real list rows: the market-regulation
price cases' 处罚内容 (Chinese, with citations and amounts) and the privacyaffairs GDPR
fine summaries with their article lists (English).  Keys are made unique, so every item
is a distinct decision; no document is attached, so text extraction is excluded as the
issue asks.  Each item goes through ``indexer.pipeline.normalize`` (validation, dates,
party, authority, amounts, currency conversion, legal basis, classification, redaction
of the summary, schema validation of the record) on one process.

Also measured in the same run, as a baseline: the two schema validations alone (raw item
and record), so the ratio shows what the normalizers add on top of them.

    .venv/bin/python bench/normalize_rate.py [N]
"""

import csv
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer.pipeline import normalize  # noqa: E402
from indexer.schema import RAW_VALIDATOR, validation_errors  # noqa: E402

TARGET = 2000


def _templates(corpus):
    with open(corpus / "cn" / "samr_cfws" / "list_rows_price_cases.json",
              encoding="utf-8-sig") as fh:
        rows = json.load(fh)
    out = [{"source": "bench_cn", "decision_number": r["处罚文书号"] or None,
            "party_name": r["当事人名称"], "authority_name": r["处罚机关"],
            "decision_date": r["处罚日期"], "penalty_text": r["处罚内容"],
            "jurisdiction": "CN", "language": "zh"} for r in rows]
    with open(corpus / "intl" / "privacyaffairs" / "fines.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            out.append({"source": "bench_en", "party_name": r["controller"],
                        "authority_name": r["authority"], "decision_date": r["date"],
                        "penalty_text": r["summary"], "legal_basis_text": r["articleViolated"],
                        "jurisdiction": "ES", "language": "en"})
    return out


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    n = int(argv[0]) if argv else 100_000
    corpus = Path(os.environ.get("PENALTY_ARCHIVE_CORPUS") or ROOT.parent / "shared" / "corpus")
    templates = _templates(corpus)
    items = []
    for i in range(n):
        item = dict(templates[i % len(templates)])
        item["key"] = "k%07d" % i
        items.append(item)
    normalize(dict(items[0]), "data")  # load tables and the ECB history once

    started = time.process_time()
    errors = typed = 0
    for item in items:
        try:
            record = normalize(item, "data")
            typed += bool(record["violation_types"])
        except ValueError:
            errors += 1
    seconds = time.process_time() - started

    sample = [normalize(item, "data") for item in items[:2000]]
    base_start = time.process_time()
    for item, record in zip(items[:2000], sample):
        validation_errors(item, RAW_VALIDATOR)
        validation_errors(record)
    base_rate = 2000 / max(time.process_time() - base_start, 1e-9)

    rate = n / seconds
    print("normalized %d raw items (%d zh/en templates) in %.1f s CPU: %.0f decisions/s "
          "on one core; %d errors; %d with a violation type" % (
              n, len(templates), seconds, rate, errors, typed))
    print("baseline (schema validation of raw item + record only): %.0f/s; normalization "
          "runs at %.2f of it" % (base_rate, rate / base_rate))
    print("target %d/s per core: %s (%.2fx)" % (TARGET, "met" if rate >= TARGET else "NOT met",
                                                rate / TARGET))


if __name__ == "__main__":
    main()
