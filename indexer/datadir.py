"""The data directory, as every part of the archive reads it.

The crawler writes ``raw/`` and ``state/``, the indexer reads them, the website shows the
crawl state; the layout lives here, once, so that none of them imports another::

    raw/<source>/<date>.jsonl   raw items, append-only
    documents/<sha256>.<ext>    original documents, content-addressed
    warc/*.warc.gz              every HTTP exchange
    text/                       cache of extracted document text
    state/<source>.json         per source: what it is ("about") and its last crawls
    store/                      the embedded store (SQLite + tantivy)
"""

import json
import logging
import os

log = logging.getLogger(__name__)

HISTORY = 20  # crawls kept per source in its state file


def raw_dir(data_dir, source):
    return os.path.join(data_dir, "raw", source)


def iter_raw(data_dir, source=None):
    """Every raw item on disk, oldest file first; a torn last line is skipped."""
    base = os.path.join(data_dir, "raw")
    if not os.path.isdir(base):
        return
    for name in sorted(os.listdir(base)):
        if source and name != source:
            continue
        folder = os.path.join(base, name)
        for filename in sorted(os.listdir(folder)):
            if not filename.endswith(".jsonl"):
                continue
            with open(os.path.join(folder, filename), encoding="utf-8") as f:
                for line in f:
                    try:
                        yield json.loads(line)
                    except json.JSONDecodeError:
                        log.warning("skipping a torn line in %s", filename)


def state_path(data_dir, source):
    return os.path.join(data_dir, "state", "%s.json" % source)


def load_state(data_dir, source):
    """``{"source", "about", "crawls": [...], "last_success"}`` of one source."""
    try:
        with open(state_path(data_dir, source), encoding="utf-8") as f:
            return json.load(f)
    except (FileNotFoundError, json.JSONDecodeError):
        return {"source": source, "crawls": []}


def save_state(data_dir, source, state):
    path = state_path(data_dir, source)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(state, f, ensure_ascii=False, indent=1)
    os.replace(path + ".tmp", path)


def known_sources(data_dir):
    """{source: state} for every source the crawler has described in this directory."""
    folder = os.path.join(data_dir, "state")
    names = sorted(n[:-5] for n in os.listdir(folder) if n.endswith(".json")) \
        if os.path.isdir(folder) else []
    return {name: load_state(data_dir, name) for name in names}
