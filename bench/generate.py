"""SYNTHETIC decisions for benchmarks only: never shown as real, never indexed into an archive.

``decisions(n, seed)`` yields ``n`` Decision records shaped like the real corpus: Chinese
decisions (about four in five) whose texts are recombined from the clauses of real
published penalty texts (market-regulation price cases and CSRC decisions), English ones
recombined from real GDPR fine summaries, with authorities built from the region table,
violation types, penalty kinds, dates and amounts drawn from plausible distributions.
Every record says it is synthetic: source ``bench_synthetic``, a title that starts with
``[SYNTHETIC]``, party names that no real party has (合成...).  The same ``n`` and ``seed``
always give the same records.

    python bench/generate.py 1000 > decisions.jsonl
"""

import csv
import json
import math
import os
import random
import re
import sys
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("PENALTY_ARCHIVE_CORPUS") or ROOT.parent / "shared" / "corpus")
REGIONS = ROOT / "indexer" / "normalize" / "data" / "cn_regions.csv"
SOURCE = "bench_synthetic"
# Rough reference rates for the synthetic converted amounts (benchmark data only).
TO_CNY = {"CNY": 1.0, "EUR": 7.8, "USD": 7.2}
CN_TYPES = [("price.unmarked", 30), ("price.misleading", 12), ("price.extra_charges", 6),
            ("price.government_pricing", 4), ("ad.false", 10), ("product.quality", 10),
            ("product.food", 10), ("product.drugs", 4), ("consumer.rights", 5),
            ("competition.unfair", 3), ("licensing.unlicensed", 4),
            ("securities.disclosure", 3), ("securities.insider_trading", 2),
            ("securities.manipulation", 1), ("pi.lawful_basis", 2), ("pi.principles", 2),
            ("pi.automated_decision", 1), ("other", 4)]
EN_TYPES = [("pi.lawful_basis", 25), ("pi.security", 20), ("pi.principles", 15),
            ("pi.transparency", 12), ("pi.data_subject_rights", 10), ("pi.marketing", 8),
            ("pi.breach_notification", 4), ("pi.cooperation", 3), ("pi.governance", 3)]
PENALTIES = [(["fine"], 35), (["warning", "fine"], 15),
             (["fine", "confiscation_of_illegal_gains"], 20), (["order_to_rectify", "fine"], 10),
             (["warning"], 8), (["no_penalty", "order_to_rectify"], 6),
             (["fine", "suspension"], 3), (["license_revocation"], 1), (["app_removal"], 2)]
EN_AUTHORITIES = [("CNIL", "FR"), ("AEPD", "ES"), ("Garante", "IT"), ("ICO", "GB"),
                  ("DPC", "IE"), ("UODO", "PL"), ("Datatilsynet", "NO"), ("IMY", "SE"),
                  ("AP", "NL"), ("BfDI", "DE"), ("ANSPDCP", "RO"), ("NAIH", "HU")]
CN_SUFFIXES = ["市场监督管理局", "市场监督管理局", "市场监督管理局", "市场监督管理局高新区分局"]
SYLLABLES = "华兴隆泰盛源鑫达丰瑞祥和福安康宏利通恒顺佳美新嘉晨"
KINDS = ["商贸有限公司", "超市", "药房", "餐饮店", "科技有限公司", "电子商务有限公司", "便利店",
         "加油站", "医药连锁有限公司", "信息技术有限公司", "商行", "证券投资有限公司"]
EN_KINDS = ["Ltd", "S.A.", "GmbH", "S.p.A.", "B.V.", "AB", "plc"]
_CLAUSE_SPLIT = re.compile(r"(?<=[。；;])")
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+")


def _weighted(pairs):
    values, weights = zip(*pairs)
    cumulative, total = [], 0
    for w in weights:
        total += w
        cumulative.append(total)
    return values, cumulative


class _Shapes:
    """Text pieces and names read once from the corpus and the region table."""

    def __init__(self):
        self.zh_clauses = self._zh_clauses()
        self.en_sentences = self._en_sentences()
        self.regions = []
        with open(REGIONS, encoding="utf-8") as f:
            for row in csv.DictReader(f):
                if row["level"] in ("province", "city", "county", "municipal", "prefecture"):
                    self.regions.append((row["name"], row["short_name"] or row["name"],
                                         row["code"]))
        if not self.regions:
            raise SystemExit("no regions in %s" % REGIONS)

    @staticmethod
    def _zh_clauses():
        clauses = []
        rows = json.loads((CORPUS / "cn" / "samr_cfws" / "list_rows_price_cases.json")
                          .read_text(encoding="utf-8-sig"))
        for row in rows:
            clauses.extend(_CLAUSE_SPLIT.split(row.get("处罚内容") or ""))
        with open(CORPUS / "cn" / "csrc" / "decisions_sample.csv", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                clauses.extend(_CLAUSE_SPLIT.split(row["正文"]))
        clauses = [c.strip() for c in clauses if 8 <= len(c.strip()) <= 300]
        return sorted(set(clauses))

    @staticmethod
    def _en_sentences():
        sentences = []
        with open(CORPUS / "intl" / "privacyaffairs" / "fines.csv", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                sentences.extend(_SENTENCE_SPLIT.split(row.get("summary") or ""))
        return sorted({s.strip() for s in sentences if 20 <= len(s.strip()) <= 400})


def decisions(n, seed=1):
    """Yield ``n`` synthetic Decision records (deterministic for a given seed)."""
    shapes = _Shapes()
    rng = random.Random(seed)
    cn_types, cn_cum = _weighted(CN_TYPES)
    en_types, en_cum = _weighted(EN_TYPES)
    penalties, pen_cum = _weighted(PENALTIES)
    first_day = date(2015, 1, 1).toordinal()
    days = date(2026, 6, 30).toordinal() - first_day
    for i in range(n):
        english = rng.random() < 0.2
        day = date.fromordinal(first_day + int(days * rng.random() ** 0.6))
        kinds = list(rng.choices(penalties, cum_weights=pen_cum)[0])
        if english:
            types = sorted(set(rng.choices(en_types, cum_weights=en_cum, k=rng.randint(1, 3))))
            authority, jurisdiction = rng.choice(EN_AUTHORITIES)
            region, currency = None, "EUR"
            party = "Synthetic %s%s %s" % (rng.choice("ABCDEFGHKLMNPRST"),
                                           rng.randint(100, 999), rng.choice(EN_KINDS))
            text = " ".join(rng.choices(shapes.en_sentences, k=rng.randint(3, 9)))
            number = "SYN-%d-%06d" % (day.year, i)
            amount = math.exp(rng.gauss(10.5, 2.2)) if "fine" in kinds else None
        else:
            types = sorted(set(rng.choices(cn_types, cum_weights=cn_cum, k=rng.randint(1, 2))))
            name, short, region = rng.choice(shapes.regions)
            authority, jurisdiction, currency = name + rng.choice(CN_SUFFIXES), "CN", "CNY"
            syllables = "".join(rng.choices(SYLLABLES, k=2))
            party = "合成%s%s%s" % (short[:2], syllables, rng.choice(KINDS))
            text = "".join(rng.choices(shapes.zh_clauses, k=rng.randint(8, 24)))
            number = "%s市监处罚〔%d〕%d号" % (short[:1], day.year, rng.randint(1, 3000))
            amount = math.exp(rng.gauss(8.5, 2.0)) if "fine" in kinds else None
        record = _record(i, english, day, types, kinds, authority, jurisdiction, region,
                         party, number, text, currency, amount, rng)
        yield record


def _record(i, english, day, types, kinds, authority, jurisdiction, region, party, number,
            text, currency, amount, rng):
    fine = confiscation = total = None
    converted = {}
    if amount is not None:
        fine = "%.2f" % min(amount, 5e9)
        if "confiscation_of_illegal_gains" in kinds:
            confiscation = "%.2f" % (amount * rng.random())
        total = "%.2f" % (float(fine) + float(confiscation or 0))
        cny = float(total) * TO_CNY[currency]
        converted = {"amount_%s" % c.lower(): "%.2f" % (cny / rate) for c, rate in TO_CNY.items()}
    published = day + timedelta(days=rng.randint(0, 40))
    title = ("[SYNTHETIC] %s decision %s" % (authority, number) if english
             else "[SYNTHETIC] %s行政处罚决定书" % authority)
    return {
        "id": "%s:%08d" % (SOURCE, i), "source": SOURCE, "source_url": None,
        "document_url": None, "document_sha256": None, "document_type": None,
        "fetched_at": None, "jurisdiction": jurisdiction, "region": region,
        "authority_name": authority, "authority_id": None,
        "authority_level": None if english else "county",
        "decision_number": number, "decision_date": day.isoformat(),
        "published_date": published.isoformat(), "title": title,
        "language": "en" if english else "zh", "party_name": party,
        "party_kind": "company", "party_id": None, "party_id_valid": None,
        "violation_types": types, "violation_evidence": {t: "synthetic" for t in types},
        "facts": text[:200], "legal_basis": [], "penalty_kinds": kinds,
        "penalty_text": None, "fine_amount": fine, "confiscation_amount": confiscation,
        "total_amount": total, "currency": currency if total else None,
        "amount_cny": converted.get("amount_cny"), "amount_eur": converted.get("amount_eur"),
        "amount_usd": converted.get("amount_usd"), "summary": None, "full_text": text,
        "document_pending": False, "status": "active", "version": 1,
    }


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or not argv[0].isdigit():
        raise SystemExit("usage: python bench/generate.py N [SEED] > decisions.jsonl")
    seed = int(argv[1]) if len(argv) > 1 else 1
    out = sys.stdout
    for record in decisions(int(argv[0]), seed):
        out.write(json.dumps(record, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
