"""cn_pbc beyond the shared harness: a branch site's list (dates in a cell beside the
link, pages named by the pager script), and notices whose tables come as WPS attachments.

The attachments are the LibreOffice-written samples of tests/fixtures/documents/office/
(real cfws list rows); the pages around them are written from the documented structure.
"""

import json
import shutil

from indexer.datadir import iter_raw
from tests.conftest import FIXTURES, cli

NOTICE = ("https://www.pbc.gov.cn/zhengwugongkai/4081330/4081344/4081407/4081705/"
          "3000000000000000004/index.html")


BRANCH = "https://shanghai.pbc.gov.cn/fzhshanghai/113577/114832/114918/14681/"


def _branch_page(notices, pages, current):
    """A branch column page as branch sites draw it: one table row per notice, the link
    in one cell, its date in the next, the pager drawn by a script."""
    rows = "".join(
        '<tr><td class="hei12jj"><font class="hei12"><a href="%s">%s</a></font></td>'
        '<td class="hei12jj">%s</td><td class="hei12jj"></td></tr>'
        % (n["url"], n["title"], n["date"]) for n in notices)
    return ('<html><body><table><tr><td><a href="/">首页</a></td></tr></table>'
            '<table>%s</table><script>createPageHTML(%d, %d, "index", "html");</script>'
            '</body></html>' % (rows, pages, current - 1))


def test_a_branch_list_with_dates_beside_the_links_is_read_page_after_page(tmp_path):
    fixture = tmp_path / "cn_pbc"
    shutil.copytree(FIXTURES / "cn_pbc", fixture)
    (fixture / "expected.json").unlink()
    site = json.loads((fixture / "site.json").read_text(encoding="utf-8"))
    notices = site["notices"]
    site["start_url"] = BRANCH + "index1.html"
    site["pages"] = {BRANCH + "index1.html": _branch_page(notices[:2], 2, 1),
                     BRANCH + "index2.html": _branch_page(notices[2:], 2, 2)}
    (fixture / "site.json").write_text(json.dumps(site, ensure_ascii=False), encoding="utf-8")
    data = tmp_path / "data"
    cli(data, "crawl", "cn_pbc", "--replay", str(fixture))
    items = list(iter_raw(str(data), "cn_pbc"))
    assert {i["url"] for i in items} == {n["url"] for n in notices}
    assert {i["published_date"] for i in items} == {n["date"] for n in notices}


def test_the_branches_are_known_and_a_wrong_name_is_an_error(tmp_path):
    from crawler.spiders.cn_pbc import CnPbcSpider

    spider = CnPbcSpider(branches="all")
    assert len(spider.start_urls) == 36
    assert all(u.endswith("/index1.html") and ".pbc.gov.cn/" in u for u in spider.start_urls)
    result = cli(tmp_path, "crawl", "cn_pbc", "-a", "branches=火星", check=False)
    assert result.returncode != 0 and "unknown PBC branches: 火星" in result.stderr


def test_wps_and_et_attachments_become_one_item_per_row(tmp_path, corpus):
    rows = json.loads((corpus / "cn" / "samr_cfws" / "list_rows_price_cases.json")
                      .read_text(encoding="utf-8"))
    fixture = tmp_path / "cn_pbc"
    shutil.copytree(FIXTURES / "cn_pbc", fixture)
    (fixture / "expected.json").unlink()
    site = json.loads((fixture / "site.json").read_text(encoding="utf-8"))
    office = FIXTURES / "documents" / "office"
    site["notices"].insert(0, {
        "url": NOTICE, "title": "行政处罚信息公示表", "date": "2026-03-20",
        "attachments": [{"url": NOTICE.replace("index.html", "files/penalty.wps"),
                         "file": str(office / "table.wps")},
                        {"url": NOTICE.replace("index.html", "files/penalty.et"),
                         "file": str(office / "workbook.et")}]})
    (fixture / "site.json").write_text(json.dumps(site, ensure_ascii=False), encoding="utf-8")
    data = tmp_path / "data"
    cli(data, "crawl", "cn_pbc", "--replay", str(fixture))
    items = [i for i in iter_raw(str(data), "cn_pbc") if i["url"] == NOTICE]
    assert sorted((i["party_name"], i["decision_number"], i["document_path"].rsplit(".", 1)[1])
                  for i in items) == sorted(
        [(r["当事人名称"], r["处罚文书号"], "wps") for r in rows[:3]]
        + [(r["当事人名称"], r["处罚文书号"], "et") for r in rows[4:7]])
    for item in items:
        stored = (data / item["document_path"]).read_bytes()
        assert stored == (office / ("table.wps" if item["document_path"].endswith(".wps")
                                    else "workbook.et")).read_bytes()
