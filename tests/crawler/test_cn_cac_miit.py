"""cn_cac_miit beyond the shared harness: app lists read by OCR in a real crawl, the demo
serving only the corpus metadata, the notice filter on the 111 real titles, and a real
block page served in place of a notice."""

import io
import json
import shutil

import pytest

from crawler.spiders import cn_cac_miit
from indexer.datadir import iter_raw
from indexer.documents import ocr
from indexer.pipeline import normalize
from tests.conftest import CORPUS, FIXTURES, cli
from tests.indexer.documents.test_ocr import cjk_font, png, render

FIXTURE = FIXTURES / "cn_cac_miit"
CAC_NOTICE = "https://www.cac.gov.cn/2026-06/11/c_1782920097670955.htm"


def batches():
    return json.loads((CORPUS / "cn" / "cac_miit" / "notice_batches.json")
                      .read_text(encoding="utf-8"))["batches"]


def fixture_copy(tmp_path, files):
    """This source's fixture folder plus extra answers ({url: (file name, bytes)})."""
    folder = tmp_path / "cn_cac_miit"
    shutil.copytree(FIXTURE, folder)
    spec = json.loads((folder / "notices.json").read_text(encoding="utf-8"))
    for url, (name, data) in files.items():
        (folder / name).write_bytes(data)
        target = next((n for n in spec["notices"] if n["url"] == url), None) or \
            next(n for n in spec["notices"] if n["url"] == CAC_NOTICE)
        target.setdefault("files", {})[url] = name
    (folder / "notices.json").write_text(json.dumps(spec, ensure_ascii=False),
                                         encoding="utf-8")
    return folder


def test_notice_filter_on_the_real_titles(corpus):
    titles = [b["title"] for b in batches()]
    kept = [t for t in titles if cn_cac_miit.is_notice_title(t)]
    assert 80 <= len(kept) < len(titles)
    assert "关于下架侵害用户权益APP名单的通报" in kept
    assert "关于30款App个人信息收集使用问题的通报" in kept
    assert not cn_cac_miit.is_notice_title("韩煜：移动App在个人信息保护上需重点解决哪些问题")
    assert not cn_cac_miit.is_notice_title(
        "中央网信办、工业和信息化部、公安部、市场监管总局关于开展App违法违规收集使用个人信息专项治理的公告")


def test_text_rows_from_an_ocr_table():
    text = ("序号   应用名称   应用开发者           所涉问题\n"
            "1    示例阅读   示例网络科技有限公司   违规收集个人信息\n"
            "2    示例天气  “示例信息技术有限公司   超范围索取权限；\n"
            "                                       强制用户使用定向推送功能\n")
    rows = cn_cac_miit.parse_text_rows(text)
    assert [r["app"] for r in rows] == ["示例阅读", "示例天气"]
    assert rows[1]["operator"] == "示例信息技术有限公司"
    assert rows[1]["problems"] == "超范围索取权限；强制用户使用定向推送功能"
    assert cn_cac_miit.parse_text_rows("没有表格的图片") == []


def test_app_list_image_is_ocrd_in_a_real_crawl(tmp_path, corpus):
    if not ocr.available():
        pytest.skip("tesseract with chi_sim data is not installed")
    font = cjk_font(30)
    if font is None:
        pytest.skip("no simplified-Chinese CJK font to draw the list image (fonts-noto-cjk)")
    image_url = next(b for b in batches() if b["url"] == CAC_NOTICE)["images"][0]
    table = [("序号", "App名称", "运营者", "主要问题"),
             ("1", "示例阅读", "示例网络科技有限公司", "违规收集个人信息"),
             ("2", "示例天气", "示例信息技术有限公司", "超范围索取权限")]
    image = png(render(table, font, columns=[0, 90, 300, 700]))
    folder = fixture_copy(tmp_path, {image_url: ("list.png", image)})
    data = tmp_path / "data"
    cli(data, "crawl", "cn_cac_miit", "--replay", str(folder))
    items = {i["key"]: i for i in iter_raw(str(data), "cn_cac_miit")}
    apps = [items.get("c_1782920097670955:%d" % n) for n in (1, 2)]
    assert all(apps), sorted(items)
    assert "c_1782920097670955" not in items  # no notice-level item once apps are read
    assert [a["listing"]["row"]["app"] for a in apps] == ["示例阅读", "示例天气"]
    assert [a["party_name"] for a in apps] == ["示例网络科技有限公司", "示例信息技术有限公司"]
    # the image itself is the archived document of each app's decision
    assert apps[0]["document_url"] == image_url
    assert (data / apps[0]["document_path"]).read_bytes() == image
    decision = normalize(apps[0], str(data))
    assert decision["party_kind"] == "company"
    assert decision["authority_name"] == "中央网信办"
    assert decision["decision_date"] == "2026-06-11"
    assert decision["document_type"] == "png"


def _app_list_pdf(rows):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    table = Table(rows)
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), "STSong-Light"),
                               ("GRID", (0, 0), (-1, -1), 0.5, (0, 0, 0))]))
    SimpleDocTemplate(buf).build([table])
    return buf.getvalue()


@pytest.mark.parametrize("shown", [
    '<iframe src="/pdfjs/web/viewer.html?file=%2Fcms_files%2Ffilemanager%2Flist.pdf"></iframe>',
    '<iframe src="../../../../../../pdfjs/web/viewer.html?file=../../cms_files/filemanager/'
    'list.pdf"></iframe>',
    '<div id="viewer"></div><script>PDFViewerApplication.open("/cms_files/filemanager/'
    'list.pdf");</script>'], ids=["absolute", "relative to the viewer", "script"])
def test_an_app_list_pdf_shown_in_a_pdfjs_viewer_is_read(shown, tmp_path, corpus):
    notice = "https://www.miit.gov.cn/jgsj/xgj/APPqhyhqyzxzzxd/tzgg/art/2021/" \
        "art_a919b1e52ff54c0e98c759958e8aa5ce.html"
    pdf_url = "https://www.miit.gov.cn/cms_files/filemanager/list.pdf"
    pdf = _app_list_pdf([("序号", "应用名称", "应用开发者", "所涉问题"),
                         ("1", "示例阅读", "示例网络科技有限公司", "违规收集个人信息"),
                         ("2", "示例天气", "示例信息技术有限公司", "超范围索取权限")])
    folder = fixture_copy(tmp_path, {pdf_url: ("list.pdf", pdf)})
    (folder / "shown.html").write_text("<p>通报如下：</p>" + shown, encoding="utf-8")
    spec = json.loads((folder / "notices.json").read_text(encoding="utf-8"))
    next(n for n in spec["notices"] if n["url"] == notice)["body"] = "shown.html"
    (folder / "notices.json").write_text(json.dumps(spec, ensure_ascii=False),
                                         encoding="utf-8")
    data = tmp_path / "data"
    cli(data, "crawl", "cn_cac_miit", "--replay", str(folder))
    apps = [i for i in iter_raw(str(data), "cn_cac_miit") if i["url"] == notice]
    assert [(a["listing"]["row"]["app"], a["party_name"]) for a in apps] == [
        ("示例阅读", "示例网络科技有限公司"), ("示例天气", "示例信息技术有限公司")]
    assert {a["document_url"] for a in apps} == {pdf_url}


def test_table_notice_decisions(tmp_path, corpus):
    data = tmp_path / "data"
    cli(data, "crawl", "cn_cac_miit", "--replay", str(FIXTURE))
    decisions = {d["id"]: d for d in (normalize(i, str(data))
                                      for i in iter_raw(str(data), "cn_cac_miit"))}
    app = decisions["cn_cac_miit:art_83b7e0c41afb47249ac247ffb983ee44:1"]
    assert app["party_name"] == "示例网络科技有限公司"
    assert app["penalty_kinds"] == ["order_to_rectify"]
    assert app["authority_level"] == "national"
    removal = decisions["cn_cac_miit:art_a919b1e52ff54c0e98c759958e8aa5ce"]
    assert removal["penalty_kinds"] == ["app_removal"] and removal["party_name"] is None


def test_demo_serves_only_the_corpus_metadata(tmp_path, corpus):
    data = tmp_path / "data"
    cli(data, "crawl", "cn_cac_miit", "--replay", "demo")
    items = list(iter_raw(str(data), "cn_cac_miit"))
    real = {b["url"]: b for b in batches()}
    expected = {b["url"] for b in real.values() if cn_cac_miit.is_notice_title(b["title"])}
    assert {i["url"] for i in items} == expected
    for item in items:  # one notice-level item each: no app, no party is invented
        assert item["key"] == cn_cac_miit.notice_id(item["url"])
        assert "party_name" not in item
        assert item["title"] == real[item["url"]]["title"]
        assert item["decision_date"] == real[item["url"]]["date"]


def test_real_block_page_is_logged_counted_and_never_a_decision(tmp_path, corpus):
    block = (corpus / "intl" / "misc" / "aepd_block_page.html").read_bytes()
    folder = fixture_copy(tmp_path, {CAC_NOTICE: ("blocked.html", block)})
    data = tmp_path / "data"
    result = cli(data, "crawl", "cn_cac_miit", "--replay", str(folder), check=False)
    assert result.returncode != 0  # a blocked crawl is not a success
    assert "block page from %s" % CAC_NOTICE in result.stderr
    state = json.loads((data / "state" / "cn_cac_miit.json").read_text())
    assert state["crawls"][-1]["blocked"] >= 1 and not state["crawls"][-1]["ok"]
    keys = {i["key"] for i in iter_raw(str(data), "cn_cac_miit")}
    assert not any(k.startswith("c_1782920097670955") for k in keys)
    assert "art_83b7e0c41afb47249ac247ffb983ee44:1" in keys  # the rest of the crawl goes on
