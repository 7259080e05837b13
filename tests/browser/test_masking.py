"""The masking rule on the decision page of a natural person, in a real browser: the
portal lists the party by full name; the page shows surname + * and states the rule."""

import re

from indexer.datadir import iter_raw
from indexer.store import open_store
from tests.browser.conftest import shot


def _a_masked_person(portal_archive):
    """(decision id, name as the portal lists it, masked form) of a natural person."""
    listed = {item["key"]: item["party_name"] for item in iter_raw(str(portal_archive))
              if item.get("party_name")}
    with open_store("embedded", str(portal_archive / "store"), readonly=True) as store:
        for record in store.iter_decisions():
            name = listed.get(record["id"].split(":", 1)[1], "")
            if record["party_kind"] == "natural_person" and \
                    re.fullmatch(r"[\u4e00-\u9fff]{3}", name):
                return record["id"], name, record["party_name"]
    raise AssertionError("the portal archive lists no natural person")


def test_a_natural_persons_decision_page_shows_the_masked_name(page, site, portal_archive):
    decision_id, full, masked = _a_masked_person(portal_archive)
    assert masked == full[0] + "*"
    for view in ("", "?view=full"):
        page.goto("%s/decisions/%s%s" % (site, decision_id, view))
        party = page.locator("dl.fields dd").first.inner_text()
        assert party.startswith(masked) and full not in party
        assert full not in page.content()
        assert full not in page.title()
    rule = page.locator("#masking-rule").inner_text()
    assert "surname and * (张*)" in rule and "ID numbers, phone numbers and home addresses" in rule
    shot(page, "decision-natural-person")
    # the search page and the search box do not find the full name either
    page.goto(site + "/search?q=" + full)
    assert page.locator(".hit").count() == 0
    assert not page.watch.foreign
