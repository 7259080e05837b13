"""Normalization quality on the labelled dev data in ../shared/corpus.

Prints agreement figures for:

- samr_cfws/list_rows_price_cases.json amounts: the fine and the confiscation read from
  the portal's 处罚内容 against a hand-read sample of 171 rows
  (``tests/fixtures/normalize/cn_amounts_reviewed.jsonl``: every 4th non-empty row in
  docid order, read without running the parser; rows marked unclear are left out);
- privacyaffairs/fines.csv amounts: the fine read from each English summary, converted to
  EUR at the ECB rate of the decision date, against the published EUR figure (``price``);
  within 1% counts as agreement.  Rows with price 0 (unknown) are left out.
- privacyaffairs/fines.csv types: the codes from the cited articles (articleViolated)
  and the summary against the site's violation type, mapped to taxonomy codes
  (``TYPE_CODES`` below; rows typed Unknown / Multiple are left out).
- samr_cfws/price_violation_labels.jsonl types: the codes from the labelled articles and
  the case description against the annotated violation type (``LABEL_CODES``); rows with
  is_violation=false (no source PDF: generated, per the corpus README) and 未识别 are
  left out.  Also from the description alone, and from the citations parsed out of the
  annotated legal analysis text.

"main" means the first code equals the label; "any" that the label is among the codes.
For both type datasets the labels' own consistency is printed too: the share of rows
whose label is the most frequent one among the rows citing the same provisions (the best
any classifier deciding from the cited provisions could do), with the most frequent
provisions that carry several labels.
Rows are split by id parity: the tables were written from the law texts and checked on
the odd rows; the even rows were not looked at while writing them (held out).

    .venv/bin/python bench/quality_normalize.py [--corpus ../shared/corpus]
"""

import argparse
import csv
import json
import os
import sys
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from babel import Locale  # noqa: E402

from indexer.normalize import currency  # noqa: E402
from indexer.normalize.amounts import cn_number, parse_cn_amounts  # noqa: E402
from indexer.normalize.amounts_intl import parse_fine  # noqa: E402
from indexer.normalize.legal_basis import parse_citations, parse_citations_en  # noqa: E402
from indexer.normalize.violations import classify  # noqa: E402

TYPE_CODES = {
    "failure to comply with data processing principles": "pi.principles",
    "failure to comply with processing principles": "pi.principles",
    "non-compliance with general data processing principles": "pi.principles",
    "non-compliance with lawful basis for data processing": "pi.lawful_basis",
    "insufficient legal basis for data processing": "pi.lawful_basis",
    "non-compliance with the right of consent": "pi.lawful_basis",
    "failure to collect sufficient data processing consent": "pi.lawful_basis",
    "failure to implement sufficient measures to ensure information security":
        "pi.security",
    "failure to implement sufficient measures to ensure information": "pi.security",
    "non-compliance with subjects' rights protection safeguards": "pi.data_subject_rights",
    "non-compliance with subjects’ rights protection safeguards": "pi.data_subject_rights",
    "insufficient fulfilment of data subjects rights": "pi.data_subject_rights",
    "information obligation non-compliance": "pi.transparency",
    "insufficient fulfilment of information obligations": "pi.transparency",
    "non-cooperation with data protection authority": "pi.cooperation",
    "failure to comply with data processing authority's orders": "pi.cooperation",
    "insufficient cooperation with supervisory authority": "pi.cooperation",
    "failure to cooperate with supervisory authority": "pi.cooperation",
    "lack of cooperation with data protection authority": "pi.cooperation",
    "failure to notify dpa of a data breach": "pi.breach_notification",
    "insufficient fulfilment of data breach notification obligations":
        "pi.breach_notification",
    "non-compliance (data breach)": "pi.breach_notification",
    "no data protection officer appointed": "pi.governance",
    "failure to appoint data protection officer": "pi.governance",
    "failure to appoint a data protection officer": "pi.governance",
    "insufficient involvement of data protection officer": "pi.governance",
    "insufficient data processing agreement": "pi.processor",
}
LABEL_CODES = {
    "不明码标价": "price.unmarked", "政府定价违规": "price.government_pricing",
    "标价外加价": "price.extra_charges", "误导性价格标示": "price.misleading",
    "虚假折扣": "price.misleading", "不履行价格承诺": "price.misleading",
    "变相提高价格": "price.unfair", "哄抬价格": "price.unfair",
}


def _countries():
    names = {name: code for code, name in Locale("en").territories.items()}
    names["Czech Republic"] = "CZ"
    return names


def _provisions(citations):
    """The cited provisions as a comparable key (law, article, paragraph, item)."""
    return tuple(sorted({tuple(str(c.get(k) or "") for k in ("law", "article", "paragraph", "item"))
                         for c in citations}))


def _consistency(groups):
    """Share of rows whose label is the most common label among the rows citing the same
    provisions: what a classifier deciding from the cited provisions alone could reach at
    best, even one that memorized these rows."""
    shared = [c for c in groups.values() if sum(c.values()) > 1]
    return "%s; of rows whose provisions recur: %s" % tuple(
        _pct(sum(c.most_common(1)[0][1] for c in cs), sum(sum(c.values()) for c in cs))
        for cs in (groups.values(), shared))


def _mixed(groups, top=4):
    """The most frequent cited provisions that carry more than one label."""
    mixed = sorted((c for c in groups.items() if len(c[1]) > 1),
                   key=lambda c: -sum(c[1].values()))[:top]
    for key, labels in mixed:
        cited = ", ".join("%s %s%s%s" % (law.replace("中华人民共和国", ""), article,
                                         "(%s)" % paragraph if paragraph else "",
                                         "(%s)" % item if item else "")
                          for law, article, paragraph, item in key) or "(none)"
        print("    %s: %s" % (cited, ", ".join("%s %d" % kv for kv in labels.most_common())))


def _pct(a, b):
    return "%5.1f%% (%d/%d)" % (100.0 * a / b, a, b) if b else "   n/a"


REVIEWED_AMOUNTS = ROOT / "tests" / "fixtures" / "normalize" / "cn_amounts_reviewed.jsonl"


def cn_amounts(corpus):
    with open(corpus / "cn" / "samr_cfws" / "list_rows_price_cases.json",
              encoding="utf-8-sig") as fh:
        rows = {(r.get("文书下载链接") or "").partition("docid=")[2]: r for r in json.load(fh)}
    with open(REVIEWED_AMOUNTS, encoding="utf-8") as fh:
        labels = [json.loads(line) for line in fh]
    stats = Counter()
    for label in labels:
        if label["unclear"]:
            stats["unclear"] += 1
            continue
        got = parse_cn_amounts(rows[label["docid"]]["处罚内容"])
        stats["rows"] += 1
        exact = True
        for kind in ("fine", "confiscation"):
            expected = Decimal(label[kind]) if label[kind] else None
            stats[kind, "labelled"] += expected is not None
            stats[kind, "exact"] += got[kind] == expected and expected is not None
            exact = exact and got[kind] == expected
        stats["exact"] += exact
    print("samr_cfws/list_rows_price_cases.json: amounts in 处罚内容 against a hand-read sample"
          " (%d rows, %d unclear left out)" % (len(labels), stats["unclear"]))
    print("  fine and confiscation both exact: %s   fines exact: %s   confiscations exact: %s"
          % (_pct(stats["exact"], stats["rows"]),
             _pct(stats["fine", "exact"], stats["fine", "labelled"]),
             _pct(stats["confiscation", "exact"], stats["confiscation", "labelled"])))


def privacyaffairs(corpus):
    path = corpus / "intl" / "privacyaffairs" / "fines.csv"
    with open(path, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    countries = _countries()
    amounts, types = Counter(), Counter()
    groups = defaultdict(Counter)
    for row in rows:
        half = "dev" if int(row["id"]) % 2 else "held-out"
        country = countries.get(row["name"].strip())
        month, day, year = row["date"].split("/")
        date = None if year == "1970" else "%s-%s-%s" % (year, month, day)
        price = Decimal(row["price"] or 0)
        if price > 0:
            amounts[half, "rows"] += 1
            found = parse_fine(row["summary"], country)
            if found["fine"] is not None:
                amounts[half, "parsed"] += 1
                if found["currency"] == "EUR":
                    eur = found["fine"]
                else:
                    converted = currency.convert(found["fine"], found["currency"],
                                                 date or "2020-01-01")
                    eur = converted and converted["amount_eur"]
                if eur is not None and abs(eur - price) <= price / 100:
                    amounts[half, "agree"] += 1
        label = TYPE_CODES.get(row["type"].strip().casefold())
        if label:
            citations = parse_citations_en(row["articleViolated"], "violated", "GDPR")
            codes, _ = classify(citations, [row["summary"]], "en")
            types[half, "rows"] += 1
            groups[_provisions(citations)][label] += 1
            types[half, "main"] += bool(codes) and codes[0] == label
            types[half, "any"] += label in codes
            text_codes, _ = classify([], [row["summary"]], "en")
            types[half, "text main"] += bool(text_codes) and text_codes[0] == label
    print("privacyaffairs/fines.csv: fine in its currency -> EUR, within 1% of `price`")
    for half in ("dev", "held-out"):
        print("  %-9s read a fine: %s   within 1%% of those read: %s   of all rows: %s" % (
            half, _pct(amounts[half, "parsed"], amounts[half, "rows"]),
            _pct(amounts[half, "agree"], amounts[half, "parsed"]),
            _pct(amounts[half, "agree"], amounts[half, "rows"])))
    print("privacyaffairs/fines.csv: violation type (articles + summary)")
    for half in ("dev", "held-out"):
        print("  %-9s main code: %s   label among codes: %s   summary alone: %s" % (
            half, _pct(types[half, "main"], types[half, "rows"]),
            _pct(types[half, "any"], types[half, "rows"]),
            _pct(types[half, "text main"], types[half, "rows"])))
    print("  labels' own consistency (best reachable from the articles): %s"
          % _consistency(groups))
    _mixed(groups)


def _number(s):
    try:
        return str(int(cn_number(s)))
    except (ValueError, ArithmeticError):
        return None


def _labelled_citations(articles):
    """The annotated articles as citations: the article as written (第十三条第二款) read by
    the citation parser; the annotation's key (价格法_十三) only when the text is not a
    citation (第十九_三), since the key drops paragraphs and items."""
    out = []
    for art in articles:
        parsed = parse_citations("《%s》%s" % (art["law"], art["article"]), "violated")
        if parsed:
            out.extend(parsed)
            continue
        parts = art["article_key"].split("_")
        out.append({"law": art["law"], "article": _number(parts[1]) if len(parts) > 1 else None,
                    "paragraph": None, "item": _number(parts[2]) if len(parts) == 3 else None,
                    "role": "violated", "raw": art["law"] + art["article"]})
    return out


def price_labels(corpus):
    path = corpus / "cn" / "samr_cfws" / "price_violation_labels.jsonl"
    with open(path, encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    stats = Counter()
    groups = defaultdict(Counter)
    for row in rows:
        truth = row["ground_truth"]
        label = LABEL_CODES.get(truth.get("violation_type"))
        if not truth.get("is_violation") or not label:
            continue
        half = "dev" if int(row["id"].split("_")[-1]) % 2 else "held-out"
        text = [row["input"]["case_description"]]
        analysis = truth.get("legal_analysis_reference") or ""
        runs = {"articles+text": _labelled_citations(truth.get("qualifying_articles") or []),
                "analysis+text": parse_citations(analysis, "violated"),
                "text": []}
        stats[half, "rows"] += 1
        groups[_provisions(runs["articles+text"])][label] += 1
        for name, citations in runs.items():
            codes, _ = classify(citations, text, "zh")
            stats[half, name, "main"] += bool(codes) and codes[0] == label
            stats[half, name, "any"] += label in codes
    print("samr_cfws/price_violation_labels.jsonl: violation type")
    for half in ("dev", "held-out"):
        for name in ("articles+text", "analysis+text", "text"):
            print("  %-9s %-14s main code: %s   label among codes: %s" % (
                half, name, _pct(stats[half, name, "main"], stats[half, "rows"]),
                _pct(stats[half, name, "any"], stats[half, "rows"])))
    print("  labels' own consistency (best reachable from the annotated articles): %s"
          % _consistency(groups))
    _mixed(groups)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", default=os.environ.get("PENALTY_ARCHIVE_CORPUS")
                        or str(ROOT.parent / "shared" / "corpus"))
    args = parser.parse_args(argv)
    corpus = Path(args.corpus)
    cn_amounts(corpus)
    privacyaffairs(corpus)
    price_labels(corpus)


if __name__ == "__main__":
    main()
