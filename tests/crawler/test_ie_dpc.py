"""The Irish DPC's decisions page: party, date, fine and articles from each decision's
page, the decision's PDF archived (not its summary), a link straight to a PDF kept, an
empty page a failed crawl."""

import json
import shutil

from crawler.spiders.ie_dpc import decision_date, first_date, party_of
from indexer.datadir import iter_raw
from indexer.documents import ie_dpc
from tests.conftest import FIXTURES, cli, stored_records

FIXTURE = FIXTURES / "ie_dpc"


def test_decision_pages_become_decisions_with_their_fines(tmp_path):
    cli(tmp_path, "crawl", "ie_dpc", "--replay", str(FIXTURE))
    cli(tmp_path, "index")
    records = stored_records(tmp_path)
    assert len(records) == 3
    tiktok = records["ie_dpc:inquiry-into-tiktok-technology-limited-may-2025"]
    assert (tiktok["party_name"], tiktok["decision_date"]) == \
        ("TikTok Technology Limited", "2025-05-02")
    assert (tiktok["fine_amount"], tiktok["currency"]) == ("530000000", "EUR")
    assert (tiktok["jurisdiction"], tiktok["authority_name"]) == \
        ("IE", "Data Protection Commission")
    assert {"pi.cross_border", "pi.transparency"} <= set(tiktok["violation_types"])
    assert "fine" in tiktok["penalty_kinds"]
    assert "EUR 530 million" in tiktok["full_text"]  # the PDF's text
    linkedin = records["ie_dpc:inquiry-into-linkedin-ireland-unlimited-company-october-2024"]
    assert linkedin["document_url"].endswith("fixture-linkedin-final-decision.pdf")
    assert (linkedin["fine_amount"], linkedin["decision_date"]) == ("310000000", "2024-10-24")
    assert {"pi.lawful_basis", "pi.transparency"} <= set(linkedin["violation_types"])
    meta = records["ie_dpc:fixture-meta-final-decision"]  # linked straight to its PDF
    assert meta["party_name"] == "Meta Platforms Ireland Limited"
    assert meta["document_type"] == "pdf" and "EUR 1.2 billion" in meta["full_text"]
    # read from the PDF: the page gave neither
    assert (meta["decision_date"], meta["fine_amount"], meta["currency"]) == \
        ("2023-05-12", "1200000000", "EUR")
    assert "pi.cross_border" in meta["violation_types"]
    raw = {item["key"]: item for item in iter_raw(str(tmp_path), "ie_dpc")}
    assert raw["fixture-meta-final-decision"]["listing"]["month"] == "May 2023"


def test_an_empty_decisions_page_is_a_failed_crawl(tmp_path):
    fixture = tmp_path / "ie_dpc"
    shutil.copytree(FIXTURE, fixture)
    site = json.loads((fixture / "site.json").read_text(encoding="utf-8"))
    site["decisions"] = []
    (fixture / "site.json").write_text(json.dumps(site), encoding="utf-8")
    data = tmp_path / "data"
    result = cli(data, "crawl", "ie_dpc", "--replay", str(fixture), check=False)
    assert result.returncode != 0
    state = json.loads((data / "state" / "ie_dpc.json").read_text())
    assert state["crawls"][-1]["reason"] == "no list page could be read: unexpected structure"


def test_the_reader_of_a_decision_pdf():
    text = ("DECISION of the Data Protection Commission made pursuant to Section 111 of the "
            "Data Protection Act, 2018\nInquiry Reference: IN-21-9-1\nDate of Decision: 1st "
            "September 2023\n... Article 83(5) GDPR provides for fines of up to EUR 20 million."
            "\nThe DPC imposes administrative fines totalling EUR 345 million.")
    assert ie_dpc.parse(text) == {
        "decision_date": "2023-09-01", "decision_number": "IN-21-9-1",
        "penalty_text": "The DPC imposes administrative fines totalling EUR 345 million."}
    assert ie_dpc.parse("A report on complaints received in 2023.") == {}


def test_titles_and_dates():
    assert party_of("Inquiry into Meta Platforms Ireland Limited - May 2023") == \
        "Meta Platforms Ireland Limited"
    assert party_of("Decision in the Inquiry concerning Airbnb Ireland UC – July 2023") == \
        "Airbnb Ireland UC"
    assert party_of("Limerick City and County Council (December 2021)") == \
        "Limerick City and County Council"
    assert first_date("On 2nd May, 2025 the DPC adopted") == "2025-05-02"
    assert first_date("in May 2023") is None
    # the decision's date, not the inquiry's that comes first in a real summary
    assert decision_date("The DPC commenced an inquiry on 1 October 2021. On 15 September "
                         "2023, the DPC adopted its final decision.") == "2023-09-15"
    assert decision_date("The complaint was lodged on 3 May 2019.") is None
