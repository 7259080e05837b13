"""AEPD resolutions: the RSS feed read with feedparser, the PDFs archived, the operative
part read by the indexer (party, fine in EUR, GDPR articles); the Akamai block page the
site serves to non-browser clients fails the crawl."""

import json

import pytest

from indexer.datadir import iter_raw
from indexer.store import open_store
from tests.conftest import CORPUS, FIXTURES, cli

FIXTURE = FIXTURES / "es_aepd"
AKAMAI = CORPUS / "intl" / "misc" / "aepd_block_page.html"


def test_resolutions_are_read_from_the_feed_and_their_operative_part(tmp_path, corpus):
    cli(tmp_path, "crawl", "es_aepd", "--replay", str(FIXTURE))
    cli(tmp_path, "index")
    with open_store("embedded", str(tmp_path / "store"), readonly=True) as store:
        records = {r["id"]: r for r in store.iter_decisions()}
    assert set(records) == {"es_aepd:ps-00406-2023", "es_aepd:ps-00587-2021",
                            "es_aepd:ps-00034-2020", "es_aepd:td-00317-2019"}
    parcel = records["es_aepd:ps-00406-2023"]
    assert (parcel["fine_amount"], parcel["currency"], parcel["amount_eur"]) == (
        "70000", "EUR", "70000")
    assert parcel["decision_number"] == "EXP202304094"
    assert parcel["decision_date"] == "2025-03-24" and parcel["jurisdiction"] == "ES"
    assert parcel["party_name"] == "Telefonico Servicios Integrales de Distribucion"
    assert parcel["penalty_kinds"] == ["fine", "order_to_rectify"]
    assert parcel["violation_types"] == ["pi.security"]
    assert parcel["violation_evidence"]["pi.security"] == "Art. 5(1)(f) GDPR"
    assert parcel["document_type"] == "pdf" and "RESUELVE" in parcel["full_text"]
    board = records["es_aepd:ps-00034-2020"]  # "10.000,00 euros"; the community is not named
    assert (board["fine_amount"], board["currency"]) == ("10000", "EUR")
    assert board["party_name"] is None and board["decision_date"] == "2020-08-31"
    health = records["es_aepd:ps-00587-2021"]  # a public body: infringement declared, no fine
    assert health["fine_amount"] is None and health["penalty_kinds"] == []
    assert health["party_name"] == "Consejeria de Sanidad de la Comunidad de Madrid"
    assert {(c["article"], c["paragraph"], c["item"]) for c in health["legal_basis"]} >= {
        ("5", "1", "f"), ("32", None, None)}
    access = records["es_aepd:td-00317-2019"]
    assert access["fine_amount"] is None and access["party_name"] == "SAGE SPAIN, S.L."
    assert access["decision_date"] is None and access["published_date"] == "2020-06-04"


def test_the_spider_sends_a_browser_user_agent_and_pages_until_the_feed_ends(tmp_path):
    from warcio.archiveiterator import ArchiveIterator

    cli(tmp_path, "crawl", "es_aepd", "--replay", str(FIXTURE))
    asked = {}
    for path in (tmp_path / "warc").glob("*.warc.gz"):
        with open(path, "rb") as f:
            for record in ArchiveIterator(f):
                if record.rec_type == "request":
                    asked[record.rec_headers.get_header("WARC-Target-URI")] = \
                        record.http_headers.get_header("User-Agent")
    feeds = sorted(url for url in asked if "feed.xml" in url)
    assert feeds == ["https://www.aepd.es/informes-y-resoluciones/resoluciones/feed.xml",
                     "https://www.aepd.es/informes-y-resoluciones/resoluciones/feed.xml?page=1",
                     "https://www.aepd.es/informes-y-resoluciones/resoluciones/feed.xml?page=2"]
    assert all(ua.startswith("Mozilla/5.0") and "penalty-archive" not in ua
               for ua in asked.values())
    # A second crawl asks the first page only: everything on it is archived.
    cli(tmp_path, "crawl", "es_aepd", "--replay", str(FIXTURE))
    state = json.loads((tmp_path / "state" / "es_aepd.json").read_text())
    assert state["crawls"][-1]["items"] == 0 and state["crawls"][-1]["outcome"] == "ok"


@pytest.mark.parametrize("status", [403, 200])
def test_the_real_akamai_block_page_fails_the_crawl(status, tmp_path, corpus):
    """The page the AEPD really serves to clients it takes for robots, as a 403 or as a
    200: FAILED (exit 1), nothing archived, the reason named."""
    result = cli(tmp_path, "crawl", "es_aepd", "--replay", str(FIXTURE),
                 "--fault", "status:%d,body=%s" % (status, AKAMAI), check=False)
    assert result.returncode == 1, result.stderr[-2000:]
    assert not list(iter_raw(str(tmp_path), "es_aepd"))
    assert "es_aepd: FAILED: no list page could be read: Akamai access denied" in result.stderr
    last = json.loads((tmp_path / "state" / "es_aepd.json").read_text())["crawls"][-1]
    assert last["outcome"] == "failed" and last["blocked"] > 0


def test_a_feed_page_that_is_not_a_feed_is_an_error(tmp_path):
    page = tmp_path / "page.html"
    page.write_bytes(b"<html><body>Mantenimiento</body></html>")
    data = tmp_path / "data"
    result = cli(data, "crawl", "es_aepd", "--replay", str(FIXTURE), "--fault",
                 "status:200,body=%s,match=feed\\.xml\\s*$" % page, check=False)
    assert result.returncode != 0
    assert not list(iter_raw(str(data), "es_aepd"))
    last = json.loads((data / "state" / "es_aepd.json").read_text())["crawls"][-1]
    assert last["errors"] >= 1 and last["outcome"] != "ok"
