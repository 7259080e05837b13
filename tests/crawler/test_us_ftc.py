"""The FTC's privacy and security cases: two list pages through the pager, each case's
party, file number, date and amount in USD, COPPA and deception read as violation types;
a list page without cases, or a refusal, is a failed crawl."""

import json
import shutil

from scrapy.http import HtmlResponse

from crawler.spiders.us_ftc import UsFtcSpider, list_url, party_of
from indexer.datadir import iter_raw
from tests.conftest import FIXTURES, cli, stored_records

FIXTURE = FIXTURES / "us_ftc"


def test_cases_become_decisions_with_amounts_in_dollars(tmp_path):
    cli(tmp_path, "crawl", "us_ftc", "--replay", str(FIXTURE))
    cli(tmp_path, "index")
    records = stored_records(tmp_path)
    assert len(records) == 4  # both list pages
    facebook = records["us_ftc:fixture-facebook-inc-us-v"]
    assert (facebook["party_name"], facebook["decision_number"]) == ("Facebook, Inc.", "092 3184")
    assert (facebook["fine_amount"], facebook["currency"], facebook["jurisdiction"]) == \
        ("5000000000", "USD", "US")
    assert facebook["published_date"] == "2019-07-24"
    assert facebook["violation_types"] == ["pi.transparency"]  # deceiving users on privacy
    epic = records["us_ftc:fixture-epic-games-inc-us-v"]
    assert (epic["party_name"], epic["fine_amount"]) == ("Epic Games, Inc.", "275000000")
    assert epic["violation_types"] == ["pi.lawful_basis"]  # COPPA: parental consent
    assert records["us_ftc:fixture-google-llc-youtube-llc-ftc-v"]["party_name"] == \
        "Google LLC and YouTube, LLC"
    state = json.loads((tmp_path / "state" / "us_ftc.json").read_text())
    assert state["crawls"][-1]["list_pages"] == 2


def test_a_recrawl_stops_at_the_first_page_of_archived_cases(tmp_path):
    cli(tmp_path, "crawl", "us_ftc", "--replay", str(FIXTURE))
    cli(tmp_path, "crawl", "us_ftc", "--replay", str(FIXTURE))
    state = json.loads((tmp_path / "state" / "us_ftc.json").read_text())
    assert [c["list_pages"] for c in state["crawls"]] == [2, 1]
    assert len(list(iter_raw(str(tmp_path), "us_ftc"))) == 4


def test_a_list_page_without_cases_or_a_refusal_fails_the_crawl(tmp_path):
    fixture = tmp_path / "us_ftc"
    shutil.copytree(FIXTURE, fixture)
    site = json.loads((fixture / "site.json").read_text(encoding="utf-8"))
    site["pages"] = [[]]
    (fixture / "site.json").write_text(json.dumps(site), encoding="utf-8")
    empty = cli(tmp_path / "a", "crawl", "us_ftc", "--replay", str(fixture), check=False)
    refused = cli(tmp_path / "b", "crawl", "us_ftc", "--replay", str(FIXTURE), "--fault",
                  "status:403", check=False)
    for data, result in ((tmp_path / "a", empty), (tmp_path / "b", refused)):
        assert result.returncode != 0
        state = json.loads((data / "state" / "us_ftc.json").read_text())
        assert state["crawls"][-1]["outcome"] == "failed"
        assert not list(iter_raw(str(data), "us_ftc"))


def test_a_date_written_out_only():
    html = ('<div class="view-content"><div class="views-row"><article><h3><a href="/x/a">'
            'A, FTC v.</a></h3><div class="field--name-field-date"><time>December 19, 2022'
            '</time></div></article></div></div>')
    response = HtmlResponse(url=list_url(0), body=html.encode(), encoding="utf-8")
    [request] = list(UsFtcSpider().parse_list(response, 0))
    assert request.cb_kwargs["listing"]["date"] == "2022-12-19"


def test_titles_and_pages():
    assert party_of("Epic Games, Inc., U.S. v.") == "Epic Games, Inc."
    assert party_of("Facebook, Inc., In the Matter of") == "Facebook, Inc."
    assert party_of("Kochava Inc., FTC v.") == "Kochava Inc."
    assert party_of("Rite Aid Corporation, FTC v., et al.") == "Rite Aid Corporation"
    assert list_url(0).endswith("items_per_page=20&field_consumer_protection_topics=1408")
    assert list_url(2).endswith("&page=2")
