"""Document parsing throughput: documents per second per core, PDF and HTML.

Reads the same real files several times in one process (one core) with

- the archive's reader: ``indexer.documents.extract_text`` (layout-aware PDF text with
  its repairs; HTML text) followed by the 行政处罚决定书 parser ``cn_decision.parse``;
- the baseline: raw ``pdfminer.high_level.extract_text`` for PDF and
  ``lxml.html.fromstring(...).text_content()`` for HTML, on the same bytes;

and prints documents per second for each and the ratio (how many times slower the
archive's reading is than the raw extraction).  PDF: the 22 real decisions in
../shared/corpus/cn/samr_cfws/pdf/.  HTML: the 41 real GDPRhub pages in
../shared/corpus/intl/gdprhub_pages/ (text extraction only: they are not Chinese
decisions) and the CSRC decisions' text wrapped in the <br>-separated HTML of their
detail pages (extraction + parser).

    .venv/bin/python bench/parse_throughput.py [--rounds 3] [--corpus ../shared/corpus]
"""

import argparse
import csv
import html
import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer.documents import cn_decision, extract_text  # noqa: E402


def rate(func, docs, rounds):
    """Documents per second over ``rounds`` passes (the best pass counts)."""
    best = None
    for _ in range(rounds):
        start = time.perf_counter()
        for doc in docs:
            func(doc)
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return len(docs) / best


def archive_pdf(data):
    return cn_decision.parse(extract_text(data, "pdf"))


def raw_pdf(data):
    from pdfminer.high_level import extract_text as pdfminer_text

    return pdfminer_text(io.BytesIO(data))


def archive_html(data):
    return extract_text(data, "html")


def archive_html_parse(data):
    return cn_decision.parse(extract_text(data, "html"))


def raw_html(data):
    import lxml.html

    return lxml.html.fromstring(data).text_content()


def csrc_pages(corpus):
    path = corpus / "cn" / "csrc" / "decisions_sample.csv"
    if not path.exists():
        return []
    pages = []
    with open(path, encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            body = "<br>".join(html.escape(p) for p in (row.get("正文") or "").split("\n"))
            pages.append(('<html><head><meta charset="utf-8"><title>%s</title></head><body>'
                          '<div class="detail-news">%s</div></body></html>'
                          % (html.escape(row.get("标题") or ""), body)).encode("utf-8"))
    return pages


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--corpus", default=os.environ.get(
        "PENALTY_ARCHIVE_CORPUS", str(ROOT.parent / "shared" / "corpus")))
    args = parser.parse_args(argv)
    corpus = Path(args.corpus)
    pdfs = [p.read_bytes() for p in sorted((corpus / "cn" / "samr_cfws" / "pdf").glob("*.pdf"))]
    gdprhub = [p.read_bytes() for p in sorted((corpus / "intl" / "gdprhub_pages")
                                              .glob("*.html"))]
    csrc = csrc_pages(corpus)
    print("# Parsing throughput, one process (= one core; this machine has %d), best of %d"
          % (os.cpu_count() or 1, args.rounds))
    rows = [("PDF, 22 real decisions", pdfs, archive_pdf, raw_pdf,
             "extract_text + parse", "pdfminer extract_text"),
            ("HTML, %d GDPRhub pages" % len(gdprhub), gdprhub, archive_html, raw_html,
             "extract_text", "lxml text_content"),
            ("HTML, %d CSRC decisions" % len(csrc), csrc, archive_html_parse, raw_html,
             "extract_text + parse", "lxml text_content")]
    print("%-28s %-22s %10s   %-22s %10s   %s" % ("documents", "archive", "docs/s", "baseline",
                                                  "docs/s", "archive/baseline"))
    for label, docs, ours, baseline, ours_name, base_name in rows:
        if not docs:
            continue
        ours_rate = rate(ours, docs, args.rounds)
        base_rate = rate(baseline, docs, args.rounds)
        print("%-28s %-22s %10.1f   %-22s %10.1f   %.2fx" % (
            label, ours_name, ours_rate, base_name, base_rate, ours_rate / base_rate))
    return 0


if __name__ == "__main__":
    sys.exit(main())
