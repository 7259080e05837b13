"""The EDPB's register of final one-stop-shop decisions: country, authority, date and
articles from the register, the decision archived, faults survived, an empty register
an error."""

import json
import shutil

from indexer.datadir import iter_raw
from tests.conftest import FIXTURES, cli, stored_records


def test_register_rows_become_decisions_of_the_lead_authority(tmp_path):
    cli(tmp_path, "crawl", "eu_edpb", "--replay", str(FIXTURES / "eu_edpb"))
    cli(tmp_path, "index")
    records = stored_records(tmp_path)
    tiktok = records["eu_edpb:edpbi-ie-oss-d-2025-f1"]
    assert (tiktok["jurisdiction"], tiktok["decision_date"]) == ("IE", "2025-05-02")
    assert tiktok["authority_name"] == "Data Protection Commission"
    assert tiktok["document_type"] == "pdf" and tiktok["document_sha256"]
    assert "Article 46(1) GDPR" in tiktok["full_text"]
    assert "pi.cross_border" in tiktok["violation_types"], tiktok["violation_types"]
    linkedin = records["eu_edpb:edpbi-ie-oss-d-2024-f2"]
    assert "pi.lawful_basis" in linkedin["violation_types"], linkedin["violation_types"]
    assert len(records) == 3


def test_a_429_with_retry_after_is_waited_for_and_nothing_is_lost(tmp_path):
    cli(tmp_path, "crawl", "eu_edpb", "--replay", str(FIXTURES / "eu_edpb"),
        "--fault", "status:429,retry_after=1,times=1")
    assert len(list(iter_raw(str(tmp_path), "eu_edpb"))) == 3
    state = json.loads((tmp_path / "state" / "eu_edpb.json").read_text())
    assert state["crawls"][-1]["faults"] == {"HTTP 429": 1}


def test_an_empty_register_is_a_failed_crawl_not_an_empty_success(tmp_path):
    fixture = tmp_path / "eu_edpb"
    shutil.copytree(FIXTURES / "eu_edpb", fixture)
    site = json.loads((fixture / "site.json").read_text(encoding="utf-8"))
    site["pages"] = []
    (fixture / "site.json").write_text(json.dumps(site), encoding="utf-8")
    data = tmp_path / "data"
    result = cli(data, "crawl", "eu_edpb", "--replay", str(fixture), check=False)
    assert result.returncode != 0
    assert not list(iter_raw(str(data), "eu_edpb"))
