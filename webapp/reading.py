"""How the search page reads a query, and what it suggests when nothing matches.

``understand(query)`` applies :func:`indexer.normalize.glossary.interpret` to the
query's words, unless the reader asked for the literal words (``literal=1``): phrases
that name a violation type, a penalty, a source, a province or a year become those
filters, English words with only a Chinese equivalent are searched as it.  The page shows
each step ("price fraud -> 价格欺诈, type Price fraud") and a link to the literal search.

``suggestions(store, query, reading)``: for a search that finds nothing, the searches
closest to it that do find something (the literal words, the words read with the
glossary, each filter removed in turn), with their counts.
"""

from dataclasses import replace

from flask import url_for
from flask_babel import gettext as _

from indexer.normalize.glossary import interpret
from webapp.i18n import PENALTY_LABELS, region_label, type_label

MAX_SUGGESTIONS = 4


def understand(query):
    """(query as read, reading or None); a ``literal`` query is not read."""
    if query.literal or not query.q:
        return query, None
    reading = interpret(query.q)
    if not reading.changed:
        return query, None
    read = replace(query, q=reading.q,
                   types=query.types + tuple(t for t in reading.types if t not in query.types),
                   also_types=query.also_types + tuple(
                       t for t in reading.also_types if t not in query.also_types),
                   penalty=query.penalty or reading.penalty,
                   source=query.source or reading.source,
                   region=query.region or reading.region,
                   year=query.year or reading.year)
    return read, reading


def describe(reading):
    """The reading's steps as (phrase, meaning) for the page."""
    out = []
    for step in reading.steps:
        parts = []
        if step.get("zh"):
            parts.append(step["zh"])
        if step.get("type"):
            parts.append(_("type %(label)s", label=type_label(step["type"])))
        if step.get("also_type"):
            parts.append(_("also finds the decisions of type %(label)s",
                           label=type_label(step["also_type"])))
        if step.get("penalty"):
            parts.append(_("penalty %(label)s",
                           label=PENALTY_LABELS.get(step["penalty"], step["penalty"])))
        if step.get("source"):
            parts.append(_("source %(name)s", name=step["source"]))
        if step.get("region"):
            parts.append(_("region %(label)s", label=region_label(step["region"])))
        if step.get("year"):
            parts.append(_("year %(year)s", year=step["year"]))
        out.append((step["phrase"], ", ".join(parts)))
    return out


def literal_url(query):
    """The search for the words as typed (no glossary)."""
    params = {}
    for name, value in query.to_params(page=1, literal=True):
        params.setdefault(name, []).append(value)
    return url_for("search.index", **params)


def _count(store, query):
    return store.search(replace(query, page=1, page_size=1)).total


def suggestions(store, typed, query, reading, link):
    """[(label, url, count)] of the closest searches that find something."""
    candidates = []
    if reading is not None:
        candidates.append((_("the words as typed, “%(q)s”", q=typed.q), typed, True))
    elif typed.q and interpret(typed.q).changed:
        read, _reading = understand(typed)
        candidates.append((_("“%(q)s” read with the glossary", q=typed.q), read, False))
    for code in query.types:
        candidates.append((_("without type %(label)s", label=type_label(code)),
                           replace(query, types=tuple(t for t in query.types if t != code)),
                           False))
    for name, label in (("region", region_label), ("jurisdiction", region_label),
                        ("authority", None), ("source", None), ("party", None),
                        ("penalty", lambda v: PENALTY_LABELS.get(v, v))):
        value = getattr(query, name)
        if value:
            candidates.append((_("without %(filter)s", filter=label(value) if label else value),
                               replace(query, **{name: ""}), False))
    if query.year:
        candidates.append((_("without year %(year)s", year=query.year),
                           replace(query, year=None), False))
    if query.q:
        candidates.append((_("without the words “%(q)s”", q=query.q), replace(query, q=""),
                           False))
    out = []
    for label, candidate, is_literal in candidates:
        total = _count(store, candidate)
        if total:
            url = literal_url(candidate) if is_literal else link(candidate)
            out.append((label, url, total))
    out.sort(key=lambda s: -s[2])
    return out[:MAX_SUGGESTIONS]
