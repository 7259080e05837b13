"""Compliance guides in a real browser: simplified and full, price and personal
information, both languages, and the simplified guide printed to PDF."""

import shutil
import subprocess

import pytest

from tests.browser.conftest import SHOTS, shot


@pytest.mark.parametrize("code", ["price.unmarked", "pi"])
def test_guides_in_both_languages_and_views(page, site, code):
    for lang, check, law in (("en", "Check:", "What the law requires"),
                             ("zh", "自查：", "法律要求")):
        for view in ("simplified", "full"):
            page.goto("%s/guides/%s?view=%s&lang=%s" % (site, code, view, lang))
            assert page.locator("h2#law-h").inner_text() == law
            checks = page.locator(".obligations .check")
            assert checks.count() >= 1 and checks.first.inner_text().startswith(check)
            assert page.locator(".obligations blockquote").count() >= 1
            if view == "full":
                assert page.locator(".obligations .other-language").count() >= 1
            shot(page, "guide-%s-%s-%s" % (code, view, lang))
    assert not page.watch.dialogs and not page.watch.foreign


def test_the_simplified_guide_prints_to_pdf(page, site):
    page.goto(site + "/guides/price.unmarked?lang=en")
    assert page.get_by_role("button", name="Print or save as PDF").is_visible()
    page.emulate_media(media="print")
    assert not page.locator("header.site").is_visible()  # the print stylesheet applies
    SHOTS.mkdir(parents=True, exist_ok=True)
    pdf = SHOTS / "guide-price.unmarked.pdf"
    page.pdf(path=str(pdf), format="A4")
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                              text=True).stdout
        assert "What the law requires" in text and "Check:" in text
        assert "Compliance guides" in text and "Search decisions" not in text
