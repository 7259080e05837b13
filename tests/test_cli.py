"""The console script: help, sources, parse (documents and raw JSON lines)."""

import json

import pytest
from click.testing import CliRunner

from indexer.cli import main
from tests.conftest import CORPUS, FIXTURES

PDFS = sorted((CORPUS / "cn" / "samr_cfws" / "pdf").glob("*.pdf")) if CORPUS.is_dir() else []


def invoke(tmp_path, *args, input=None):
    return CliRunner().invoke(main, ["--data", str(tmp_path)] + list(args), input=input,
                              catch_exceptions=False)


@pytest.mark.parametrize("command", ["sources", "crawl", "index", "serve", "run", "parse",
                                     "export"])
def test_every_command_has_help(tmp_path, command):
    result = invoke(tmp_path, command, "--help")
    assert result.exit_code == 0 and "Usage:" in result.output


def test_sources_lists_cfws(tmp_path):
    result = invoke(tmp_path, "sources", "--json")
    rows = json.loads(result.output)
    assert "cn_samr_cfws" in [r["source"] for r in rows]


@pytest.mark.parametrize("pdf", PDFS, ids=lambda p: p.stem)
def test_parse_every_corpus_pdf(tmp_path, pdf):
    """`parse` is the document parser's path: it agrees with the reviewed parser outputs."""
    result = invoke(tmp_path, "parse", str(pdf))
    assert result.exit_code == 0, result.output
    [record] = json.loads(result.output)
    assert record["id"] == "cn_samr_cfws:" + pdf.stem
    assert record["full_text"] and not record["document_pending"]
    expected = json.loads((FIXTURES / "documents" / "cn_samr_cfws" / (pdf.stem + ".json"))
                          .read_text(encoding="utf-8"))
    for field in ("decision_number", "authority_name", "party_name", "decision_date",
                  "fine_amount", "confiscation_amount"):
        assert record[field] == expected[field]
    assert record["penalty_kinds"] == expected["penalty_kinds"]
    assert record["legal_basis"] == expected["legal_basis"]


def test_parse_rejects_a_broken_pdf(tmp_path):
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\nthis is not really a PDF")
    result = invoke(tmp_path, "parse", str(broken))
    assert result.exit_code != 0
    assert "broken.pdf" in result.output


def test_parse_jsonl_keeps_order_and_reports_bad_lines(tmp_path, corpus):
    pdf = corpus / "cn" / "samr_cfws" / "pdf" / "2a316e9ce2ef472fa8e5b22a0fe582ec.pdf"
    lines = [
        json.dumps({"source": "cn_samr_cfws", "key": "a", "text": "固镇县市场监督管理局\n"
                    "行政处罚决定书\n固市监价罚〔2026〕15号\n当事人：固镇县启辰网络科技工作室\n"
                    "决定对当事人作出如下行政处罚：罚款2815.28元。\n2026年1月19日"},
                   ensure_ascii=False),
        "{not json",
        json.dumps({"text": "no source"}),
        json.dumps({"source": "cn_samr_cfws", "key": "b", "document_path": str(pdf)}),
        json.dumps({"source": "cn_samr_cfws", "key": "c", "decision_number": "X〔2025〕1号",
                    "penalty_text": "罚款0.0500万元", "decision_date": "2025年11月7日"},
                   ensure_ascii=False),
    ]
    result = invoke(tmp_path, "parse", "--jsonl", input="\n".join(lines) + "\n")
    assert result.exit_code == 0
    out = [json.loads(line) for line in result.output.splitlines()]
    assert len(out) == 5
    assert out[0]["id"] == "cn_samr_cfws:a" and out[0]["fine_amount"] == "2815.28"
    assert "error" in out[1] and "error" in out[2] and "source" in out[2]["error"]
    assert out[3]["decision_number"] == "吴利市监处罚〔2025〕166号"
    assert out[3]["confiscation_amount"] == "412.8"
    assert out[4]["fine_amount"] == "500" and out[4]["decision_date"] == "2025-11-07"
    assert out[4]["document_pending"] is True


def test_parse_jsonl_needs_only_source_and_text(tmp_path):
    """A raw item with neither key nor decision number gets a key derived from its text:
    the same text always gives the same id, another text another id."""
    text = ("当事人：某某商店\n经查，当事人销售商品未明码标价。依据《中华人民共和国价格法》第四十二条，"
            "决定对当事人作出如下行政处罚：罚款500元。")
    lines = [json.dumps({"source": "generic", "text": t}, ensure_ascii=False)
             for t in (text, text, text.replace("500", "600"))]
    result = invoke(tmp_path, "parse", "--jsonl", input="\n".join(lines) + "\n")
    assert result.exit_code == 0
    first, again, other = [json.loads(line) for line in result.output.splitlines()]
    assert "error" not in first
    assert first["id"].startswith("generic:sha256-") and first["id"] == again["id"]
    assert other["id"] != first["id"] and other["fine_amount"] == "600"
    assert first["fine_amount"] == "500" and first["violation_types"] == ["price.unmarked"]


def test_index_merges_one_decision_published_by_two_sources(tmp_path):
    """`index` makes one record of the same decision from two sources, and keeps two
    parties of one source's decision apart."""
    text = ("固镇县市场监督管理局\n行政处罚决定书\n固市监价罚〔2026〕15号\n"
            "当事人：固镇县启辰网络科技工作室\n决定对当事人作出如下行政处罚：罚款2815.28元。\n"
            "2026年1月19日")
    items = {"cn_samr_cfws": [{"key": "a", "text": text}],
             "cn_samr": [{"key": "b", "text": text},
                         {"key": "c", "text": text.replace("启辰", "另一")}]}
    for source, rows in items.items():
        folder = tmp_path / "raw" / source
        folder.mkdir(parents=True)
        (folder / "2026-01-20.jsonl").write_text("".join(
            json.dumps(dict(row, source=source), ensure_ascii=False) + "\n" for row in rows),
            encoding="utf-8")
    result = invoke(tmp_path, "index")
    assert "3 raw items -> 2 new" in result.output
    from indexer.store import open_store

    with open_store("embedded", str(tmp_path / "store")) as store:
        records = {r["id"]: r for r in store.iter_decisions()}
    assert len(records) == 2
    merged = next(r for r in records.values() if r["other_sources"])
    assert {merged["id"], merged["other_sources"][0]["id"]} == {"cn_samr:b", "cn_samr_cfws:a"}


HOSTILE_LINES = {  # what each bad raw line is, and the reason it is refused for
    "not UTF-8": b'{"source": "generic", "text": "\xff\xfe"}',
    "not a JSON object": b"[1, 2, 3]",
    "nested too deeply": b'{"a": ' * 5000 + b"1" + b"}" * 5000,
    "nested deeper": b'{"source": "generic", "x": ' + b"[" * 40 + b"]" * 40 + b"}",
    "lone surrogate": b'{"source": "generic", "text": "\\ud800 \xe7\xbd\x9a"}',
    "not JSON": b'{"source": "generic", "text": "torn',
}
GOOD = {"source": "generic", "text": "当事人：某某商店\n决定对当事人作出如下行政处罚：罚款500元。"}
HUGE = {"source": "cn_samr_cfws", "key": "huge", "party_name": "某某商店",
        "penalty_text": "罚款" + "9" * 30 + "元"}


def test_parse_jsonl_answers_every_hostile_line_in_order(tmp_path):
    lines = [json.dumps(GOOD, ensure_ascii=False).encode()] + list(HOSTILE_LINES.values()) \
        + [json.dumps(HUGE, ensure_ascii=False).encode()]
    result = CliRunner().invoke(main, ["--data", str(tmp_path), "parse", "--jsonl"],
                                input=b"\n".join(lines) + b"\n", catch_exceptions=False)
    assert result.exit_code == 0
    out = [json.loads(line) for line in result.output.splitlines()]
    assert len(out) == len(lines)
    assert out[0]["fine_amount"] == "500"
    for answer, (reason, _) in zip(out[1:], HOSTILE_LINES.items()):
        assert reason in answer["error"] and answer["line"] == out.index(answer) + 1
    assert out[-1]["id"] == "cn_samr_cfws:huge" and out[-1]["fine_amount"] is None


def test_index_quarantines_bad_lines_and_goes_on(tmp_path):
    """One bad raw line never stops `index`: each is listed with file, line and reason in
    quarantine/index.jsonl, and every good line is stored."""
    folder = tmp_path / "raw" / "generic"
    folder.mkdir(parents=True)
    good = [dict(GOOD, key="g%d" % i) for i in range(3)]
    lines = [json.dumps(good[0], ensure_ascii=False).encode()] + list(HOSTILE_LINES.values()) \
        + [json.dumps(g, ensure_ascii=False).encode() for g in good[1:]] \
        + [json.dumps(HUGE, ensure_ascii=False).encode()]
    (folder / "2026-01-20.jsonl").write_bytes(b"\n".join(lines))
    result = invoke(tmp_path, "index")
    assert result.exit_code == 0, result.output
    assert "4 decisions in the store" in result.output
    entries = [json.loads(line) for line in
               (tmp_path / "quarantine" / "index.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(e["file"], e["line"]) for e in entries] == [
        ("raw/generic/2026-01-20.jsonl", n) for n in range(2, 2 + len(HOSTILE_LINES))]
    for entry, reason in zip(entries, HOSTILE_LINES):
        assert reason in entry["reason"]
    assert "%d raw lines" % len(HOSTILE_LINES) in result.output
    from indexer.store import open_store

    with open_store("embedded", str(tmp_path / "store")) as store:
        huge = store.get("cn_samr_cfws:huge")
    assert huge["fine_amount"] is None and huge["party_name"] == "某某商店"
