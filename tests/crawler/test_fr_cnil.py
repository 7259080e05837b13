"""The CNIL's sanctions from the DILA's open data: the newest whole archive and the
increments after it read in memory, sanctions kept and opinions not, French fines and
article citations read, an empty folder or a broken archive a failed crawl."""

import json
import shutil

import pytest
from lxml import etree

from crawler.spiders.fr_cnil import _content, archives, party_of
from indexer.datadir import iter_raw
from indexer.normalize.amounts_intl import parse_fine
from indexer.normalize.legal_basis import parse_citations_en
from tests.conftest import FIXTURES, cli, stored_records

FIXTURE = FIXTURES / "fr_cnil"


def test_sanctions_become_decisions_with_fines_and_articles(tmp_path):
    cli(tmp_path, "crawl", "fr_cnil", "--replay", str(FIXTURE))
    cli(tmp_path, "index")
    records = stored_records(tmp_path)
    assert sorted(records) == ["fr_cnil:CNILTEXT000038552658", "fr_cnil:CNILTEXT000038629823",
                               "fr_cnil:CNILTEXT000038810992", "fr_cnil:CNILTEXT000039419459",
                               "fr_cnil:CNILTEXT000043668709", "fr_cnil:CNILTEXT000044043045",
                               "fr_cnil:CNILTEXT000048580096"]  # the opinion is not kept
    sergic = records["fr_cnil:CNILTEXT000038552658"]
    assert (sergic["party_name"], sergic["decision_date"], sergic["jurisdiction"]) == \
        ("SERGIC", "2019-05-28", "FR")
    assert (sergic["fine_amount"], sergic["currency"]) == ("400000", "EUR")
    assert sergic["violation_types"] == ["pi.security"]
    assert sergic["source_url"] == "https://www.legifrance.gouv.fr/cnil/id/CNILTEXT000038552658"
    futura = records["fr_cnil:CNILTEXT000039419459"]  # from the last increment
    assert futura["fine_amount"] == "500000"
    assert {"pi.principles", "pi.transparency", "pi.data_subject_rights"} <= \
        set(futura["violation_types"])
    # deliberations written as lines between <br/>, amounts words first, the GDPR named
    # "règlement (UE) 2016/679", a daily penalty that is not the fine
    brico = records["fr_cnil:CNILTEXT000043668709"]
    assert (brico["party_name"], brico["decision_number"], brico["decision_date"],
            brico["fine_amount"]) == ("BRICO PRIVÉ", "SAN-2021-008", "2021-06-14", "500000")
    snaf = records["fr_cnil:CNILTEXT000044043045"]
    assert (snaf["party_name"], snaf["fine_amount"], snaf["currency"]) == \
        ("Société nouvelle de l'annuaire français", "3000", "EUR")
    assert [(c["law"], c["article"]) for c in snaf["legal_basis"]] == \
        [("GDPR", "16"), ("GDPR", "17"), ("GDPR", "30"), ("GDPR", "31")]
    kourou = records["fr_cnil:CNILTEXT000048580096"]
    assert (kourou["party_name"], kourou["decision_date"], kourou["fine_amount"]) == \
        ("commune de KOUROU", "2023-12-12", "5000")
    assert set(kourou["violation_types"]) == {"pi.cooperation", "pi.governance"}
    raw = {item["key"]: item for item in iter_raw(str(tmp_path), "fr_cnil")}
    assert raw["CNILTEXT000039419459"]["listing"]["archive"] == "CNIL_20191201-120000.tar.gz"
    assert raw["CNILTEXT000048580096"]["published_date"] == "2023-12-19"
    assert raw["CNILTEXT000048580096"]["penalty_text"].splitlines()[1].startswith(
        "prononcer à l'encontre de la commune de KOUROU une amende")


def test_which_archives_a_crawl_reads():
    names = ["CNIL_20180101-120000.tar.gz", "Freemium_cnil_global_20190101-000000.tar.gz",
             "CNIL_20190102-120000.tar.gz", "Freemium_cnil_global_20190701-120000.tar.gz",
             "CNIL_20190801-120000.tar.gz", "index.html", "CNIL_20191201-120000.tar.gz"]
    assert archives(names) == ["Freemium_cnil_global_20190701-120000.tar.gz",
                               "CNIL_20190801-120000.tar.gz", "CNIL_20191201-120000.tar.gz"]
    assert archives(names, since="2019-08-01") == ["CNIL_20190801-120000.tar.gz",
                                                   "CNIL_20191201-120000.tar.gz"]


@pytest.mark.parametrize("change", ["no archive", "broken archive"])
def test_an_unreadable_folder_or_archive_fails_the_crawl(tmp_path, change):
    fixture = tmp_path / "fr_cnil"
    shutil.copytree(FIXTURE, fixture)
    site = json.loads((fixture / "site.json").read_text(encoding="utf-8"))
    if change == "no archive":
        site["archives"] = {}
    else:
        site["archives"] = {"Freemium_cnil_global_20190701-120000.tar.gz": "not gzip"}
    (fixture / "site.json").write_text(json.dumps(site, ensure_ascii=False), encoding="utf-8")
    data = tmp_path / "data"
    result = cli(data, "crawl", "fr_cnil", "--replay", str(fixture), check=False)
    assert result.returncode != 0
    state = json.loads((data / "state" / "fr_cnil.json").read_text())
    assert not state["crawls"][-1]["ok"]
    assert not list(iter_raw(str(data), "fr_cnil"))


def test_french_titles_amounts_and_citations():
    assert party_of("Délibération de la formation restreinte n° SAN-2019-001 du 21 janvier "
                    "2019 prononçant une sanction pécuniaire à l'encontre de la société "
                    "GOOGLE LLC") == "GOOGLE LLC"
    assert party_of("Délibération du 28 mai 2019 concernant la société SERGIC") == "SERGIC"
    assert party_of("Délibération de la formation restreinte n° SAN-2020-012 du 7 décembre "
                    "2020 concernant les sociétés GOOGLE LLC et GOOGLE IRELAND LIMITED") == \
        "GOOGLE LLC et GOOGLE IRELAND LIMITED"
    assert party_of("Délibération SAN-2021-008 du 14 juin 2021") is None  # not guessed
    found = parse_fine("une amende administrative d'un montant de 1 750 000 (un million sept "
                       "cent cinquante mille) euros", "FR")
    assert (found["fine"], found["currency"]) == (1750000, "EUR")
    cited = parse_citations_en("aux articles 5-1-e), 12 et 13 du RGPD et de l'article 82 de "
                               "la loi du 6 janvier 1978")
    assert [(c["law"], c["article"], c["paragraph"], c["item"]) for c in cited][:3] == \
        [("GDPR", "5", "1", "e"), ("GDPR", "12", None, None), ("GDPR", "13", None, None)]
    cited = parse_citations_en("au regard des manquements constitués aux articles 31 et 37 du "
                               "règlement (UE) n° 2016/679 du 27 avril 2016")
    assert [(c["law"], c["article"]) for c in cited] == [("GDPR", "31"), ("GDPR", "37")]


def test_text_between_line_breaks_keeps_its_lines():
    root = etree.fromstring(
        "<TEXTE_CNIL><TEXTE><BLOC_TEXTUEL><CONTENU>La formation restreinte,<br/>\n  <br/>"
        "réunie le 12 décembre 2023 ;\nPAR CES MOTIFS<br/>décide de <b>prononcer</b> une amende"
        "<p>de rendre publique sa délibération.</p></CONTENU></BLOC_TEXTUEL></TEXTE>"
        "</TEXTE_CNIL>".encode("utf-8"))
    assert _content(root).splitlines() == [
        "La formation restreinte,", "réunie le 12 décembre 2023 ;", "PAR CES MOTIFS",
        "décide de prononcer une amende", "de rendre publique sa délibération."]
