"""ICO enforcement action: the search API found through the listing page, fines in GBP."""

import json
import shutil

from indexer.datadir import iter_raw
from indexer.store import open_store
from tests.conftest import FIXTURES, cli


def test_fines_are_read_in_pounds_and_typed(tmp_path):
    cli(tmp_path, "crawl", "gb_ico", "--replay", str(FIXTURES / "gb_ico"))
    cli(tmp_path, "index")
    with open_store("embedded", str(tmp_path / "store"), readonly=True) as store:
        records = {r["id"]: r for r in store.iter_decisions()}
    dialadeal = records["gb_ico:dialadeal-scotland-ltd-mpn"]
    assert (dialadeal["fine_amount"], dialadeal["currency"]) == ("150000", "GBP")
    assert dialadeal["decision_date"] == "2021-08-24" and dialadeal["jurisdiction"] == "GB"
    assert dialadeal["party_kind"] == "company" and "fine" in dialadeal["penalty_kinds"]
    assert all("pi.marketing" in r["violation_types"] for r in records.values())


def test_a_listing_without_its_filter_id_is_an_error_not_an_empty_success(tmp_path):
    fixture = tmp_path / "gb_ico"
    shutil.copytree(FIXTURES / "gb_ico", fixture)
    site = json.loads((fixture / "site.json").read_text(encoding="utf-8"))
    site["listing"] = site["listing"].replace(' data-node-id="13000"', "")
    (fixture / "site.json").write_text(json.dumps(site), encoding="utf-8")
    (fixture / "expected.json").unlink()
    data = tmp_path / "data"
    cli(data, "crawl", "gb_ico", "--replay", str(fixture), check=False)
    assert not list(iter_raw(str(data), "gb_ico"))
    state = json.loads((data / "state" / "gb_ico.json").read_text())
    assert state["crawls"][-1]["errors"] >= 1
