"""resolve_authority on real 处罚机关 values, and the region table."""

import csv
import json
import logging
from pathlib import Path

import pytest

from indexer.normalize import authorities
from indexer.normalize.authorities import resolve_authority

CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "corpus" / "cn" / "samr_cfws"


@pytest.mark.parametrize("name, region, level, authority_id", [
    ("河北省廊坊市文安县市场监督管理局", "CN-HE", "county", "cn-he-131026-amr"),
    ("保定市高阳县市场监督管理局", "CN-HE", "county", "cn-he-130628-amr"),
    ("高阳县市场监督管理局", "CN-HE", "county", "cn-he-130628-amr"),
    ("临洮县市场监管局", "CN-GS", "county", "cn-gs-621124-amr"),
    ("常熟市市场监督管理局", "CN-JS", "county", "cn-js-320581-amr"),
    ("西安市市场监督管理局", "CN-SN", "municipal", "cn-sn-610100-amr"),
    ("北京市市场监督管理局", "CN-BJ", "provincial", "cn-bj-110000-amr"),
    ("北京市海淀区市场监督管理局", "CN-BJ", "county", "cn-bj-110108-amr"),
    ("石嘴山市市场监督管理局惠农区分局", "CN-NX", "county", "cn-nx-640205-amr-branch"),
    ("银川市场监督管理局金凤区分局", "CN-NX", "county", "cn-nx-640106-amr-branch"),
    ("吴忠市市场监督管理局利通区分局", "CN-NX", "county", "cn-nx-640302-amr-branch"),
    ("莫力达瓦达斡尔族自治旗市场监督管理局（莫力达瓦达斡尔族自治旗知识产权局）",
     "CN-NM", "county", "cn-nm-150722-amr"),
    ("承德市围场满族蒙古族自治县市场监督管理局", "CN-HE", "county", "cn-he-130828-amr"),
    ("龙岩市永定区市场监督管理局", "CN-FJ", "county", "cn-fj-350803-amr"),
    ("仙桃市市场监督管理局", "CN-HB", "county", "cn-hb-429004-amr"),
    ("广东省市场监督管理局", "CN-GD", "provincial", "cn-gd-440000-amr"),
    ("中国证券监督管理委员会北京监管局", "CN-BJ", "provincial", None),
    ("国家市场监督管理总局", None, "national", "cn-national-samr"),
    ("中国证券监督管理委员会", None, "national", "cn-national-csrc"),
    ("工业和信息化部", None, "national", "cn-national-miit"),
])
def test_resolve(name, region, level, authority_id):
    got = resolve_authority(name)
    assert got["region"] == region
    assert got["authority_level"] == level
    assert got["jurisdiction"] == "CN"
    if authority_id:
        assert got["authority_id"] == authority_id


def test_spellings_share_an_id_and_bodies_do_not():
    ids = {resolve_authority(n)["authority_id"] for n in (
        "河北省保定市高阳县市场监督管理局", "保定市高阳县市场监管局", "高阳县 市场监督管理局")}
    assert len(ids) == 1
    assert resolve_authority("高阳县公安局")["authority_id"] != ids.pop()


def test_ambiguous_and_unknown_names_are_logged(caplog):
    with caplog.at_level(logging.INFO, logger="indexer.normalize.authorities"):
        amb = resolve_authority("鼓楼区市场监督管理局")  # 福州, 南京, 徐州, 开封
        unknown = resolve_authority("某某管理处")
    assert amb["region"] is None and amb["authority_id"].startswith("cn-x-")
    assert unknown["region"] is None and unknown["authority_level"] is None
    assert "鼓楼区市场监督管理局" in caplog.text and "某某管理处" in caplog.text
    assert resolve_authority("")["authority_id"] is None


def test_region_table_has_all_34_provincial_divisions():
    with open(authorities.DATA_DIR / "cn_regions.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    provinces = [r for r in rows if r["level"] == "province"]
    assert len(provinces) == 34
    assert {r["code"] for r in rows} == {r["code"] for r in provinces}
    assert {"CN-HE", "CN-NX", "CN-HK", "CN-MO", "CN-TW", "CN-XZ"} <= {r["code"] for r in rows}
    by_name = {r["name"]: r for r in provinces}
    assert by_name["河北省"]["code"] == "CN-HE" and by_name["河北省"]["short_name"] == "河北"
    assert by_name["内蒙古自治区"]["code"] == "CN-NM"
    prefectures = [r for r in rows if r["level"] == "prefecture"]
    assert len(prefectures) > 330
    baoding = next(r for r in prefectures if r["name"] == "保定市")
    assert baoding["code"] == "CN-HE" and baoding["short_name"] == "保定"
    adcodes = {r["adcode"] for r in rows}
    assert all(r["parent_adcode"] in adcodes for r in rows if r["parent_adcode"])


def test_region_resolution_rate_on_portal_list_rows(capsys):
    path = CORPUS / "list_rows_price_cases.json"
    if not path.exists():
        pytest.skip("shared corpus not present")
    rows = json.loads(path.read_text(encoding="utf-8-sig"))
    names = [r["处罚机关"] for r in rows if (r.get("处罚机关") or "").strip()]
    assert len(names) >= 790
    resolved = [resolve_authority(n) for n in names]
    rate = sum(1 for r in resolved if r["region"]) / len(names)
    with capsys.disabled():
        print(f"\nregion resolved for {rate:.1%} of {len(names)} 处罚机关 values")
    assert rate > 0.95
    assert all(r["authority_level"] in ("county", "municipal", "provincial", None)
               for r in resolved)
    assert sum(r["authority_level"] == "county" for r in resolved) > 0.8 * len(names)
