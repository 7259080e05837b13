"""Parser quality on the real Chinese documents in ../shared/corpus/cn/.

Runs the document reader and the 行政处罚决定书 parser over every real document there and
prints, field by field, how often the parse agrees with what the publisher listed:

- cn/samr_cfws: the 22 PDFs against the portal's list rows in index.json (处罚文书号,
  当事人名称, 处罚机关, 处罚日期, and the penalty kinds of 处罚内容);
- cn/gd_amr: the Guangdong records (case number, fine) parsed from their title and text;
- cn/csrc: the CSRC decisions (文号) parsed from their full text.

Then the violation types of the offline demo (the 1,050 real decisions it archives): per
source, the share of decisions without a type (with the reasons recorded in
``unclassified_reason``) and the share typed only by the family code (``price``: a price
case whose text does not say which rule was broken).  The demo is built in a temporary
directory, or read from ``--data`` (an archive already indexed).

Every disagreement is listed.  The list rows have known errors (the corpus README says
so): a disagreement is a prompt to look at the document, not a verdict on the parser.

    .venv/bin/python bench/quality.py [--corpus ../shared/corpus] [--data DIR]
"""

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer.documents import DocumentError, cn_decision, extract_text  # noqa: E402
from indexer.normalize.dates import parse_date  # noqa: E402

_BRACKETS = str.maketrans({"[": "〔", "【": "〔", "［": "〔", "(": "（", "]": "〕", "】": "〕",
                           "］": "〕", ")": "）"})


def norm_number(value):
    return re.sub(r"\s+", "", (value or "")).translate(_BRACKETS) or None


def norm_text(value):
    return re.sub(r"\s+", "", value or "") or None


def norm_amount(value):
    if value in (None, ""):
        return None
    return str(Decimal(str(value)).normalize())


def _core(value):
    match = re.search(r"〔\s*(\d{4})\s*〕\s*(\d+)\s*号", norm_number(value) or "")
    return "〔%s〕%s号" % match.groups() if match else None


class Tally:
    def __init__(self, name):
        self.name = name
        self.fields = {}
        self.disagreements = []

    def compare(self, doc, field, listed, parsed):
        agree, total = self.fields.get(field, (0, 0))
        same = listed == parsed
        self.fields[field] = (agree + same, total + 1)
        if not same:
            self.disagreements.append((doc, field, listed, parsed))

    @staticmethod
    def _shown(value):
        """Names of natural persons are masked in the report (李** for 李小祥)."""
        if not isinstance(value, str):
            return value
        from indexer.normalize.parties import party_kind

        parts = re.split(r"([;；、])", value)
        return "".join(p[0] + "*" * (len(p) - 1)
                       if len(p) > 1 and re.fullmatch(r"[\u4e00-\u9fff·]{2,4}", p)
                       and party_kind(p) == "natural_person" else p for p in parts)

    def report(self):
        print("\n## %s" % self.name)
        for field, (agree, total) in self.fields.items():
            share = 100.0 * agree / max(total, 1)
            print("  %-18s %3d/%-3d agree (%5.1f%%)" % (field, agree, total, share))
        if self.disagreements:
            print("  disagreements (listed -> parsed from the document):")
            for doc, field, listed, parsed in self.disagreements:
                shown = (self._shown(doc)[:36], field, self._shown(listed), self._shown(parsed))
                print("    %-36s %-16s %r -> %r" % shown)


def samr_cfws(corpus):
    tally = Tally("cn/samr_cfws: 22 PDFs against the portal's list rows (index.json)")
    folder = corpus / "cn" / "samr_cfws"
    for entry in json.loads((folder / "index.json").read_text(encoding="utf-8")):
        row = entry["list_row"]
        doc = Path(entry["pdf"]).stem
        try:
            parsed = cn_decision.parse(extract_text((folder / entry["pdf"]).read_bytes(), "pdf"))
        except DocumentError as exc:
            tally.compare(doc, "readable", True, str(exc))
            continue
        tally.compare(doc, "decision_number", norm_number(row.get("处罚文书号") or row.get("文书编号")),
                      norm_number(parsed["decision_number"]))
        tally.compare(doc, "party_name", norm_text(row.get("当事人名称")),
                      norm_text(parsed["party_name"]))
        tally.compare(doc, "authority_name", norm_text(row.get("处罚机关")),
                      norm_text(parsed["authority_name"]))
        tally.compare(doc, "decision_date", parse_date(row.get("处罚日期") or ""),
                      parsed["decision_date"])
        listed_kinds = set(cn_decision.penalty_kinds(row.get("处罚内容")))
        parsed_kinds = set(parsed["penalty_kinds"]) - {"no_penalty"}
        # the list's 处罚内容 is a summary: it agrees when every kind it names was parsed
        tally.compare(doc, "penalty_kinds", sorted(listed_kinds),
                      sorted(listed_kinds & parsed_kinds) if listed_kinds else
                      sorted(listed_kinds))
    return tally


def gd_amr(corpus):
    tally = Tally("cn/gd_amr: Guangdong records (case number, fine) against their text")
    path = corpus / "cn" / "gd_amr" / "decisions_sample.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        doc = record.get("caseno") or record.get("url", "")
        # titles read "<case name>（<number>）"; the parser's number pattern on the title
        match = re.search(r"[（(]([^（）()]*[〔【\[]\s*\d{4}\s*[〕】\]][^（）()]*号)[）)]\s*$",
                          record.get("title") or "")
        tally.compare(doc, "decision_number", norm_number(record.get("caseno")),
                      norm_number(match.group(1)) if match else None)
        fines = [f for f in record.get("fines") or [] if f]
        if len(fines) == 1:
            from indexer.normalize.amounts import parse_cn_amounts

            listed = parse_cn_amounts("罚款" + fines[0])["fine"]
            parsed = cn_decision.parse(record.get("fact") or "")
            # the collector truncated the text: often the decision part is missing
            if parsed["penalty_text"]:
                tally.compare(doc, "fine_amount", norm_amount(listed),
                              norm_amount(parsed["fine_amount"]))
    return tally


def csrc(corpus):
    tally = Tally("cn/csrc: CSRC decisions (文号) against their full text")
    path = corpus / "cn" / "csrc" / "decisions_sample.csv"
    with open(path, encoding="utf-8-sig", newline="") as f:
        for number, row in enumerate(csv.DictReader(f), 2):
            doc = row.get("文号") or "decisions_sample.csv line %d" % number
            parsed = cn_decision.parse(row.get("正文") or "")
            # the list gives the number without its prefix (〔2026〕42号): compare that part
            tally.compare(doc, "number (〔year〕N号)", _core(row.get("文号")),
                          _core(parsed["decision_number"] or row.get("正文", "")[:300]))
    return tally


def _price_labels(corpus):
    """docid -> the annotated code of price_violation_labels.jsonl (its PDFs are named
    esfile_<docid>.pdf), for the rows whose label is a taxonomy code."""
    from bench.quality_normalize import LABEL_CODES

    path = corpus / "cn" / "samr_cfws" / "price_violation_labels.jsonl"
    labels = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        match = re.search(r"esfile_([0-9A-Za-z-]+)\.pdf", row.get("source_pdf") or "")
        code = LABEL_CODES.get((row.get("ground_truth") or {}).get("violation_type"))
        if match and code:
            labels[match.group(1)] = code
    return labels


def demo_types(data_dir, corpus):
    """Unclassified and family-only shares per source of an indexed archive, and the
    main code against the annotated price labels of the decisions they share."""
    from indexer.store import open_store

    labels = _price_labels(corpus) if (corpus / "cn" / "samr_cfws").is_dir() else {}
    total, unclassified, family, reasons = Counter(), Counter(), Counter(), Counter()
    against = Counter()
    with open_store("embedded", os.path.join(data_dir, "store"), readonly=True) as store:
        for record in store.iter_decisions():
            source, codes = record["source"], record["violation_types"]
            label = labels.get(record["id"].split(":", 1)[1]) if source == "cn_samr_cfws" \
                else None
            if label:
                main = codes[0] if codes else None
                against["exact" if main == label else "family" if main == "price"
                        else "none" if main is None else "other"] += 1
            total[source] += 1
            if not codes:
                unclassified[source] += 1
                reasons[source, record.get("unclassified_reason")] += 1
            elif all("." not in code for code in codes):
                family[source] += 1
    print("\n## Violation types of the demo's decisions")
    print("  %-14s %9s %22s %22s" % ("source", "decisions", "unclassified", "family code only"))
    for source in sorted(total) + ["all"]:
        n = sum(total.values()) if source == "all" else total[source]
        u = sum(unclassified.values()) if source == "all" else unclassified[source]
        f = sum(family.values()) if source == "all" else family[source]
        print("  %-14s %9d %10d (%5.1f%%) %10d (%5.1f%%)" % (
            source, n, u, 100.0 * u / max(n, 1), f, 100.0 * f / max(n, 1)))
    for (source, reason), n in sorted(reasons.items(), key=str):
        print("    unclassified in %s: %d %s" % (source, n, reason))
    n = sum(against.values())
    if n:
        print("  cn_samr_cfws against price_violation_labels.jsonl (%d labelled decisions): "
              "main code = label %d, family code only %d, another code %d, none %d" % (
                  n, against["exact"], against["family"], against["other"], against["none"]))


def build_demo(data_dir):
    subprocess.run([sys.executable, "-m", "indexer.cli", "--data", data_dir, "run",
                    "--replay", "demo", "--no-serve"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env=dict(os.environ, PYTHONPATH=str(ROOT)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=os.environ.get(
        "PENALTY_ARCHIVE_CORPUS", str(ROOT.parent / "shared" / "corpus")))
    parser.add_argument("--data", help="an indexed archive (default: build the demo)")
    args = parser.parse_args(argv)
    corpus = Path(args.corpus)
    if not (corpus / "cn").is_dir():
        parser.error("no corpus at %s" % corpus)
    print("# Parser agreement with the publishers' listings (the document wins)")
    for check, folder in ((samr_cfws, "samr_cfws"), (gd_amr, "gd_amr"), (csrc, "csrc")):
        if (corpus / "cn" / folder).is_dir():
            check(corpus).report()
    if args.data:
        demo_types(args.data, corpus)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            build_demo(tmp)
            demo_types(tmp, corpus)
    return 0


if __name__ == "__main__":
    sys.exit(main())
