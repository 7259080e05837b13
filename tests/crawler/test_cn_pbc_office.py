"""A PBC notice whose tables come as WPS (.wps, .et) attachments: every row is read.

The attachments are the LibreOffice-written samples of tests/fixtures/documents/office/
(real cfws list rows); the notice around them is the fixture's documented structure.
"""

import json
import shutil

from indexer.datadir import iter_raw
from tests.conftest import FIXTURES, cli

NOTICE = ("https://www.pbc.gov.cn/zhengwugongkai/4081330/4081344/4081407/4081705/"
          "3000000000000000004/index.html")


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
