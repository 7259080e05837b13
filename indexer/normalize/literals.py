"""Literal strings that a regular expression's matches contain, to search less.

Most of the patterns the normalizers run over a text (violation phrases, money amounts,
keywords) match at few places or nowhere, and ``re`` tries them at every position.  The
literals of a pattern, read from the parse tree ``re`` compiles it from, say where it can
match, so the pattern is run only there; the matches are exactly those of ``re``:

``needed(pattern)``
    Strings one of which occurs in every text the pattern matches (a text without any of
    them has no match), or None where the tree does not give such strings.
``starts(pattern)``
    Strings one of which every match begins with, or None.
``PatternSet(patterns)``
    Patterns searched together: ``scan(text)`` finds every occurrence of every literal of
    every pattern in one pass (an Aho-Corasick automaton, pyahocorasick); then
    ``search(i, text, scan)`` is ``patterns[i].search(text)`` and ``finditer(i, text,
    scan)`` is ``patterns[i].finditer(text)``: nothing is run when no needed string
    occurs, and the pattern is tried only where a start string occurs, in text order (the
    order ``re`` tries positions in).  A pattern without such strings is run as before.
``prefiltered_search(pattern)``
    ``pattern.search`` that returns None at once for a text without any needed string.
``Folding(chars).fold(text)``
    The text as the literals of case-insensitive patterns are compared with it: every
    character that ``re``, ignoring case, matches to one of ``chars`` is replaced by one
    representative of the characters that match each other (asked of ``re`` itself, once),
    the rest lower-cased; the same length as the text.  None when that cannot be made
    (then the patterns are run as ``re`` does).

Why not a multi-pattern regex library (RE2 sets, Hyperscan): they tell which patterns
match, or where matches end, in their own syntax and semantics; the normalizers need the
leftmost match ``re`` gives for Python patterns, with its groups, so the tables keep one
regex dialect.  The literal search itself is a library (pyahocorasick).
"""

from __future__ import annotations

import re
import sys
from array import array

import ahocorasick

try:  # the parser of the re module: its tree is what re compiles
    from re import _parser as _P
except ImportError:  # Python 3.10
    import sre_parse as _P

__all__ = ["needed", "starts", "literal_chars", "Folding", "PatternSet", "prefiltered_search",
           "matches_at"]

_REPEATS = tuple(op for op in (_P.MAX_REPEAT, _P.MIN_REPEAT,
                               getattr(_P, "POSSESSIVE_REPEAT", None)) if op is not None)
_ATOMIC = getattr(_P, "ATOMIC_GROUP", None)
_ZERO_WIDTH = (_P.AT, _P.ASSERT, _P.ASSERT_NOT)
_MAX_STARTS = 64


def _literal_heads(items):
    """(strings, items used) for a run of literals or a set of literal characters first."""
    op, av = items[0]
    if op is _P.IN and av and all(o is _P.LITERAL for o, _ in av):
        return {chr(c) for _, c in av}, 1
    if op is not _P.LITERAL:
        return None, 0
    run = []
    for op, av in items:
        if op is not _P.LITERAL:
            break
        run.append(chr(av))
    return {"".join(run)}, len(run)


def _starts(items):
    """Strings one of which begins every match of the item sequence; None if unknown."""
    if not items:
        return None  # the sequence may match the empty string
    heads, size = _literal_heads(items)
    if heads:
        tails = _starts(items[size:]) if len(items) > size else None
        if tails is None or len(heads) * len(tails) > _MAX_STARTS:
            return heads
        return {h + t for h in heads for t in tails}
    op, av = items[0]
    rest = items[1:]
    if op in _ZERO_WIDTH:
        return _starts(rest)
    if op is _P.SUBPATTERN:
        _group, add_flags, del_flags, sub = av
        return None if add_flags or del_flags else _starts(list(sub) + rest)
    if op is _ATOMIC:
        return _starts(list(av) + rest)
    if op is _P.BRANCH:
        out = set()
        for alternative in av[1]:
            found = _starts(list(alternative) + rest)
            if found is None:
                return None
            out |= found
        return out
    if op in _REPEATS:
        low, high, sub = av
        # at most once: the body, then the rest; more often: the body, then the body again
        # or the rest, so only the body's own start strings
        first = _starts(list(sub) + rest) if high == 1 else _starts(list(sub))
        if first is None or low >= 1:
            return first
        skipped = _starts(rest)
        return None if skipped is None else first | skipped
    return None


def _needed(items):
    """Strings one of which occurs in every text the item sequence matches; None if unknown."""
    candidates = []
    i = 0
    while i < len(items):
        op, av = items[i]
        if op is _P.LITERAL:
            heads, size = _literal_heads(items[i:])
            candidates.append(heads)
            i += size
            continue
        found = None
        if op is _P.SUBPATTERN:
            _group, add_flags, del_flags, sub = av
            found = None if add_flags or del_flags else _needed(list(sub))
        elif op is _ATOMIC:
            found = _needed(list(av))
        elif op is _P.BRANCH:
            parts = [_needed(list(alternative)) for alternative in av[1]]
            found = None if any(p is None for p in parts) else set().union(*parts)
        elif op in _REPEATS and av[0] >= 1:
            found = _needed(list(av[2]))
        if found:
            candidates.append(found)
        i += 1
    if not candidates:
        return None
    # the most selective: the longest shortest string, then the fewest strings
    return max(candidates, key=lambda c: (min(map(len, c)), -len(c)))


def _tree(pattern):
    try:
        return list(_P.parse(pattern.pattern, pattern.flags))
    except Exception:  # noqa: BLE001 - a pattern this module cannot read: no literals
        return None


def needed(pattern) -> set | None:
    tree = _tree(pattern)
    return _needed(tree) if tree is not None else None


def starts(pattern) -> set | None:
    tree = _tree(pattern)
    return _starts(tree) if tree is not None else None


# --------------------------------------------------------------------------- case folding

def _every_character() -> str:
    points = array("I", range(0xD800))
    points.extend(range(0xE000, 0x110000))
    return points.tobytes().decode("utf-32-le" if sys.byteorder == "little" else "utf-32-be")


class Folding:
    """Case folding for literals made of some characters (see the module docstring)."""

    def __init__(self, chars):
        self.chars = frozenset(chars)
        self.ascii = all(c.isascii() for c in self.chars)
        self._made = False
        self._table = self._special = None

    def _make(self):
        """The str.translate table applied before str.lower: each character that re,
        ignoring case, matches to one of the characters, and that str.lower does not
        turn into the representative of those that match each other -> the
        representative.  None if there is no representative."""
        chars = sorted(self.chars)
        hits = set(re.findall("[%s]" % "".join(map(re.escape, chars)), _every_character(),
                              re.IGNORECASE)) if chars else set()
        groups: list = []  # characters that match each other, merged
        for c in chars:
            group = {h for h in hits if re.fullmatch(re.escape(c), h, re.IGNORECASE)} | {c}
            for other in [g for g in groups if g & group]:
                group |= other
                groups.remove(other)
            groups.append(group)
        table = {0x130: "i"}  # İ: str.lower makes two characters of it, re compares i
        for group in groups:
            lowered = {h.lower() for h in group}
            representative = min((x for x in lowered if len(x) == 1 and x.lower() == x),
                                 default=None)
            if representative is None:
                return None
            for h in group:
                if h.lower() != representative:
                    table[ord(h)] = representative
        return table

    def fold(self, text: str) -> str | None:
        """The text as the literals are compared with it; None if that cannot be made."""
        if self.ascii and text.isascii():
            return text.lower()  # an ASCII letter matches only its other case there
        if not self._made:
            self._table = self._make()
            if self._table is not None:
                self._special = re.compile("[%s]" % "".join(
                    re.escape(chr(c)) for c in sorted(self._table)))
            self._made = True
        if self._table is None:
            return None
        if self._special.search(text):
            text = text.translate(self._table)
        folded = text.lower()
        return folded if len(folded) == len(text) else None


# --------------------------------------------------------------------------- searching

def literal_chars(pattern) -> frozenset:
    """The characters of a pattern's needed and start strings."""
    return frozenset("".join(needed(pattern) or ()) + "".join(starts(pattern) or ()))


def _minimal(strings, redundant):
    """strings without those that another one makes redundant (shortest kept)."""
    out = []
    for s in sorted(set(strings), key=lambda s: (len(s), s)):
        if not any(redundant(s, kept) for kept in out):
            out.append(s)
    return tuple(out)


class PatternSet:
    """Patterns searched through their literals (see the module docstring).

    The set ignores case if its first pattern does; its literals are then folded (with
    ``folding`` if it has all their characters, else a Folding of its own).  A pattern
    that differs from the first in this is run as ``re`` does."""

    def __init__(self, patterns, folding: Folding | None = None):
        self.patterns = list(patterns)
        self.ignore_case = bool(self.patterns and self.patterns[0].flags & re.IGNORECASE)
        self.folding = None
        if self.ignore_case:
            chars = frozenset().union(*(literal_chars(p) for p in self.patterns
                                        if p.flags & re.IGNORECASE))
            self.folding = folding if folding and chars <= folding.chars else Folding(chars)
        self.entries = [self._entry(p) for p in self.patterns]
        words = {s for _, need, start in self.entries for s in (need or ()) + (start or ())}
        self._automaton = None
        if words:
            self._automaton = ahocorasick.Automaton()
            for word in words:
                self._automaton.add_word(word, (len(word) - 1, word))
            self._automaton.make_automaton()

    def _entry(self, pattern):
        if bool(pattern.flags & re.IGNORECASE) != self.ignore_case:
            return pattern, None, None
        need, start = needed(pattern), starts(pattern)
        if self.ignore_case:
            need, start = self._fold_all(need), self._fold_all(start)
        return (pattern,
                _minimal(need, lambda s, kept: kept in s) if need else None,
                _minimal(start, lambda s, kept: s.startswith(kept)) if start else None)

    def _fold_all(self, strings):
        if not strings:
            return None
        folded = [self.folding.fold(s) for s in strings]
        return None if None in folded else set(folded)

    def scan(self, text) -> dict | None:
        """literal -> the positions where it begins in text; None if the text cannot be
        folded (then every pattern is run as re does)."""
        hay = self.folding.fold(text) if self.folding else text
        if hay is None:
            return None
        found: dict = {}
        if self._automaton is not None:
            for end, (back, word) in self._automaton.iter(hay):
                positions = found.get(word)
                if positions is None:
                    found[word] = [end - back]
                else:
                    positions.append(end - back)
        return found

    def positions(self, i, found):
        """Where patterns[i] can match in the text scanned (found), ascending; None:
        anywhere."""
        _pattern, need, start = self.entries[i]
        if found is None:
            return None
        if need is not None and not any(s in found for s in need):
            return []
        if start is None:
            return None
        lists = [found[s] for s in start if s in found]
        if len(lists) == 1:
            return lists[0]
        return sorted(set().union(*lists))

    def search(self, i, text, found=False):
        """patterns[i].search(text); found: self.scan(text) if the caller has it."""
        return next(self.finditer(i, text, found), None)

    def finditer(self, i, text, found=False):
        """patterns[i].finditer(text), the same matches."""
        found = self.scan(text) if found is False else found
        positions = self.positions(i, found)
        pattern = self.entries[i][0]
        if positions is None:
            return pattern.finditer(text)
        return matches_at(pattern, text, positions)


def prefiltered_search(pattern):
    """pattern.search, not run on a text that has none of the strings every match contains
    (for a pattern that does not ignore case; otherwise pattern.search itself)."""
    strings = needed(pattern)
    if not strings or pattern.flags & re.IGNORECASE:
        return pattern.search
    strings = _minimal(strings, lambda s, kept: kept in s)

    def search(text):
        for s in strings:
            if s in text:
                return pattern.search(text)
        return None

    return search


def matches_at(pattern, text, positions):
    """pattern.finditer(text) when every match begins at one of positions (ascending) and
    none is empty: the next match is looked for from the end of the last one."""
    end = 0
    for i in positions:
        if i >= end:
            m = pattern.match(text, i)
            if m:
                end = m.end()
                yield m
