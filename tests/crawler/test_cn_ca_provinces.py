"""The provincial communications administrations: their notices read by the MIIT reader,
decisions of the province's administration, walks through news pages bounded, a column
that cannot be read a failed crawl."""

import json
import shutil

import pytest

from crawler.spiders import cn_ca_provinces
from indexer.datadir import iter_raw
from tests.conftest import FIXTURES, cli, stored_records

FIXTURE = FIXTURES / "cn_ca_provinces"


def _keys(data):
    return sorted(item["key"] for item in iter_raw(str(data), "cn_ca_provinces"))


def _site_copy(tmp_path, change):
    folder = tmp_path / "cn_ca_provinces"
    shutil.copytree(FIXTURE, folder)
    site = json.loads((folder / "site.json").read_text(encoding="utf-8"))
    change(site)
    (folder / "site.json").write_text(json.dumps(site, ensure_ascii=False), encoding="utf-8")
    return folder


def test_notices_become_decisions_of_the_provinces_administration(tmp_path):
    cli(tmp_path, "crawl", "cn_ca_provinces", "--replay", str(FIXTURE))
    cli(tmp_path, "index")
    records = stored_records(tmp_path)
    assert len(records) == 4  # two notices of 江苏 (2 + 1 apps), one of 黑龙江; no meeting
    first = records["cn_ca_provinces:art_000000000000000000000000000000a1:1"]
    assert first["party_name"] == "示例出行科技有限公司"
    assert (first["authority_name"], first["region"], first["authority_level"]) == \
        ("江苏省通信管理局", "CN-JS", "provincial")
    assert first["decision_date"] == "2025-06-20"
    assert "pi.principles" in first["violation_types"]
    assert "应用版本：3.2.1" in first["full_text"] and "华为应用市场" in first["full_text"]
    assert first["penalty_kinds"] == ["order_to_rectify"]
    operator_column = records["cn_ca_provinces:art_000000000000000000000000000000a2:1"]
    assert operator_column["party_name"] == "示例文化传媒有限公司"
    north = records["cn_ca_provinces:art_000000000000000000000000000000b1:1"]
    assert (north["authority_name"], north["region"]) == ("黑龙江省通信管理局", "CN-HL")
    assert set(north["penalty_kinds"]) == {"order_to_rectify", "app_removal"}
    assert all(r["jurisdiction"] == "CN" for r in records.values())


def test_a_walk_stops_after_quiet_pages_of_news(tmp_path):
    # the 江苏 column's first page has no notice: with no quiet page allowed, its walk ends
    cli(tmp_path, "crawl", "cn_ca_provinces", "--replay", str(FIXTURE), "-a", "quiet_pages=0")
    assert _keys(tmp_path) == ["art_000000000000000000000000000000b1:1"]


def test_a_recrawl_stops_at_the_archived_notices(tmp_path):
    cli(tmp_path, "crawl", "cn_ca_provinces", "--replay", str(FIXTURE))
    first = json.loads((tmp_path / "state" / "cn_ca_provinces.json").read_text())
    cli(tmp_path, "crawl", "cn_ca_provinces", "--replay", str(FIXTURE))
    state = json.loads((tmp_path / "state" / "cn_ca_provinces.json").read_text())
    assert len(_keys(tmp_path)) == 4
    pages = [crawl["list_pages"] for crawl in state["crawls"]]
    assert first["crawls"][-1]["ok"] and state["crawls"][-1]["ok"]
    assert pages[-1] < pages[0], pages  # page 3 of 江苏 is not read again


def test_one_province_only(tmp_path):
    cli(tmp_path, "crawl", "cn_ca_provinces", "--replay", str(FIXTURE), "-a", "provinces=黑龙江")
    assert _keys(tmp_path) == ["art_000000000000000000000000000000b1:1"]


def test_an_unknown_province_is_refused(tmp_path):
    result = cli(tmp_path, "crawl", "cn_ca_provinces", "--replay", str(FIXTURE),
                 "-a", "provinces=火星", check=False)
    assert result.returncode != 0
    assert "火星" in result.stderr + result.stdout


@pytest.mark.parametrize("change", ["column missing", "no queryData"])
def test_a_column_that_cannot_be_read_fails_the_crawl(tmp_path, change):
    column = "https://hljca.miit.gov.cn/xwdt/gzdt/index.html"

    def break_column(site):
        if change == "column missing":  # the replay answers 404
            del site["columns"][column]
        else:  # a page without the list's parameters (queryData)
            site["columns"][column] = "README.md"
    folder = _site_copy(tmp_path, break_column)
    data = tmp_path / "data"
    result = cli(data, "crawl", "cn_ca_provinces", "--replay", str(folder), check=False)
    assert result.returncode != 0
    state = json.loads((data / "state" / "cn_ca_provinces.json").read_text())
    assert not state["crawls"][-1]["ok"]
    assert "art_000000000000000000000000000000a1:1" in _keys(data)  # what was read is kept


def test_the_configured_hosts_are_the_administrations_sites():
    provinces = cn_ca_provinces.configured_provinces()
    assert {"江苏", "黑龙江", "广东", "北京"} <= set(provinces)
    for short, province in provinces.items():
        assert province["host"].endswith("ca.miit.gov.cn")
        assert province["name"].startswith(short) and province["name"].endswith("通信管理局")
        assert all(c.startswith("https://%s/" % province["host"]) and c.endswith("index.html")
                   for c in province["columns"])
