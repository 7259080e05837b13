"""Searching through literal strings finds exactly what re finds."""

import random
import re

import pytest

from indexer.normalize import literals, violations


def _same(a, b):
    return (a and (a.span(), a.group(0))) == (b and (b.span(), b.group(0)))


def test_needed_and_start_strings_of_a_pattern():
    pattern = re.compile(r"(?:未|没有|不)[^，。；]{0,8}明码标价")
    assert literals.needed(pattern) == {"明码标价"}
    assert literals.starts(pattern) == {"未", "没有", "不"}
    assert literals.starts(re.compile(r"e-?mailed|\bDPO\b")) == {"e-mailed", "emailed", "DPO"}
    assert literals.starts(re.compile(r"\w+ fine")) is None
    assert literals.needed(re.compile(r"\d+")) is None


def test_a_repeated_group_gives_only_its_own_start_strings():
    pattern = re.compile(r"(?:ab|c)+d")
    assert literals.starts(pattern) == {"ab", "c"}
    patterns = literals.PatternSet([pattern])
    assert patterns.search(0, "xxcabd").group(0) == "cabd"


@pytest.mark.parametrize("text", ["ſpam calls", "SPAM", "DİD not notify the breach",
                                  "KEPT for longer", "kept for longer", "Spam", "spam"])
def test_case_folding_finds_what_re_ignoring_case_finds(text):
    patterns = [re.compile(p, re.IGNORECASE) for p in
                (r"spam", r"(?:did\s+not)\s+\w+\s+(?:notif\w+)", r"kept\s+(?:\w+\s+){0,3}longer")]
    found = literals.PatternSet(patterns)
    scan = found.scan(text)
    for i, pattern in enumerate(patterns):
        assert _same(pattern.search(text), found.search(i, text, scan))


def test_folding_covers_every_character_re_matches_to_a_literal():
    chars = set("abcdefghijklmnopqrstuvwxyzłčó$€") | {"лв"[0], "лв"[1]}
    folding = literals.Folding(chars)
    every = literals._every_character()
    for c in chars:
        for ch in re.findall(re.escape(c), every, re.IGNORECASE):
            assert folding.fold(ch) == folding.fold(c), (c, ch)


def test_pattern_set_agrees_with_re_on_random_texts():
    rnd = random.Random(3)
    sources = [r"(?:fail\w*|did\s+not)\s+(?:\w+\s+){0,4}report\w*", r"\bDPO\b|data\s+breach",
               r"(?<![A-Za-z0-9])(?:EUR|€|zł|Kč)\s?\d+", r"(?:ab|c)+d|x?y", r"未(?:按照?)?规定",
               r"(?:(?!b)Éσς|ẞ)+kr[sz]"]
    alphabet = "abcdxyEURzłŁKčČ€ſıİσςΣẞß未按照规定 \n0123-DPOdatbreachfailreport"
    for flags in (0, re.IGNORECASE):
        patterns = [re.compile(s, flags) for s in sources]
        found = literals.PatternSet(patterns)
        for _ in range(400):
            text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 60)))
            scan = found.scan(text)
            for i, pattern in enumerate(patterns):
                assert _same(pattern.search(text), found.search(i, text, scan)), (i, text)
                assert [m.span() for m in pattern.finditer(text)] == \
                    [m.span() for m in found.finditer(i, text, scan)], (i, text)


def test_phrase_search_matches_a_search_of_every_pattern():
    texts = ["当事人未按规定明码标价，超出政府指导价浮动幅度收费",
             "The controller failed to notify the data breach within 72 hours; no DPO.",
             "Unsolicited marketing e-mails and SPAM; cookies without consent; CCTV cameras "
             "filming the street", "ſpam and İnternational transfers to the US"]
    for text in texts:
        for language in ("zh", "en"):
            table = violations.phrase_tables()[language]
            expected = [(code, "phrase: %s" % " ".join(m.group(0).split()))
                        for code, pattern in table for m in [pattern.search(text)] if m]
            assert violations._from_phrases([text], language) == expected
