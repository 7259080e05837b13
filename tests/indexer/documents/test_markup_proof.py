"""The same decision, whatever its markup and punctuation widths, parses to the same
record: real CSRC decisions (../shared/corpus/cn/csrc) rendered as the site renders them,
with every line cut into random inline elements (the site's pages put a fragment per
element, the decision number split over several) and each colon, comma, semicolon and
parenthesis at a random width, read by the HTML reader and the CSRC parser.  The generic
HTML reader gives the same text whatever the inline markup."""

import csv
import html

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.documents import cn_csrc, extract_text
from tests.conftest import CORPUS

WIDTHS = {":": "：", ",": "，", ";": "；", "(": "（", ")": "）"}
WIDTHS.update({v: k for k, v in WIDTHS.items()})
TAGS = ["span", "font", "strong", "b", "a", "em", 'span style="font-family:仿宋"']


def decisions():
    path = CORPUS / "cn" / "csrc" / "decisions_sample.csv"
    if not path.exists():
        return []
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))[:25]


DECISIONS = decisions()


def page(lines, title):
    return ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>%s</title></head><body>"
            "<div class=\"detail-news\">%s</div></body></html>" % (html.escape(title), "".join(
                "<p>%s</p>" % line for line in lines))).encode("utf-8")


@st.composite
def rendering(draw, text, widths=True):
    """The text's lines cut into inline elements at random places (with the line breaks
    and indentation an HTML source has between tags), punctuation at random widths."""
    lines = []
    for line in text.split("\n"):
        chars = [draw(st.sampled_from([c, WIDTHS[c]])) if widths and c in WIDTHS else c
                 for c in line]
        line = "".join(chars)
        cuts = sorted(set(draw(st.lists(st.integers(0, len(line)), max_size=6))))
        parts, start = [], 0
        for cut in cuts + [len(line)]:
            parts.append(line[start:cut])
            start = cut
        out = []
        for n, part in enumerate(parts):
            tag = draw(st.sampled_from(TAGS))
            gap = draw(st.sampled_from(["", "\n", "\n    ", "\r\n\t"]))  # source layout
            if n and parts[n - 1][-1:].isascii() and parts[n - 1][-1:].isalnum() \
                    and part[:1].isascii() and part[:1].isalnum():
                gap = ""  # inside a Latin word a browser shows layout as a space: no page does
            out.append("%s<%s>%s</%s>" % (gap, tag, html.escape(part), tag.split()[0]))
        lines.append("".join(out))
    return lines


PARTY_FIELDS = ("party_name", "fine_amount", "confiscation_amount", "total_amount",
                "penalty_kinds")


def record(parsed):
    out = {k: parsed[k] for k in ("decision_number", "decision_date", "authority_name")}
    out["parties"] = [{k: p[k] for k in PARTY_FIELDS} for p in parsed["parties"]]
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_csrc_records_do_not_depend_on_markup_or_punctuation_width(data):
    if not DECISIONS:
        return
    decision = data.draw(st.sampled_from(DECISIONS))
    text, title = decision["正文"], decision["标题"]
    plain = record(cn_csrc.parse(extract_text(page(
        [html.escape(line) for line in text.split("\n")], title), "html"), title))
    variant = record(cn_csrc.parse(extract_text(page(data.draw(rendering(text)), title),
                                                "html"), title))
    assert variant == plain


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_the_html_reader_keeps_words_whole_whatever_the_inline_markup(data):
    """Markup alone (widths are the parsers' to read alike, indexer.normalize.punctuation):
    the text read is the same, character for character."""
    if not DECISIONS:
        return
    text = data.draw(st.sampled_from(DECISIONS))["正文"]
    plain = extract_text(page([html.escape(line) for line in text.split("\n")], "t"), "html")
    variant = extract_text(page(data.draw(rendering(text, widths=False)), "t"), "html")
    assert variant == plain


def test_a_source_line_break_between_elements_separates_latin_words_only():
    page_ = ("<html><body><p><span>Hello</span>\n<span>world</span>, <b>Article 5</b>\n"
             "<b>GDPR</b></p><p><span>罚款6,226,</span>\n  <span>415.04</span>\n<span>元</span>"
             "</p></body></html>").encode("utf-8")
    assert extract_text(page_, "html") == "Hello world, Article 5 GDPR\n罚款6,226,415.04元"
