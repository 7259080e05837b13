"""The data directory, as every part of the archive reads it.

The crawler writes ``raw/`` and ``state/``, the indexer reads them, the website shows the
crawl state; the layout lives here, once, so that none of them imports another::

    raw/<source>/<date>.jsonl   raw items, append-only
    documents/<sha256>.<ext>    original documents, content-addressed
    warc/*.warc.gz              every HTTP exchange
    text/                       cache of extracted document text
    state/<source>.json         per source: what it is ("about") and its last crawls
    store/                      the embedded store (SQLite + tantivy)
    quarantine/<run>.jsonl      input the last run of that kind could not use, and why
    locks/<name>.lock           who holds a writer's lock (``store``, ``crawl-<source>``)
"""

import hashlib
import json
import logging
import os
import re
import sys
import time
from contextlib import contextmanager

try:
    import fcntl
except ImportError:  # not on Windows: runs there are not locked against each other
    fcntl = None

log = logging.getLogger(__name__)

HISTORY = 20  # crawls kept per source in its state file


def raw_dir(data_dir, source):
    return os.path.join(data_dir, "raw", source)


MAX_DEPTH = 32  # nesting of a raw item's JSON; real items have 3 or 4 levels


class BadLine(ValueError):
    """A raw line that is no raw item: not UTF-8, not JSON, not an object, too deep."""


def read_raw_line(line):
    """One raw line (bytes or str) -> a dict; raises BadLine saying what is wrong."""
    if isinstance(line, bytes):
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadLine("not UTF-8 (byte %d)" % exc.start) from None
    try:
        item = json.loads(line)
    except RecursionError:
        raise BadLine("JSON nested too deeply") from None
    except ValueError as exc:
        raise BadLine("not JSON: %s" % exc) from None
    if not isinstance(item, dict):
        raise BadLine("not a JSON object but a %s" % type(item).__name__)
    # Only a line with that many brackets can be that deep, only one with a \uD800-\uDFFF
    # escape can hold a lone surrogate: the common line is not walked.
    if line.count("{") + line.count("[") > MAX_DEPTH or _SURROGATE_ESCAPE.search(line):
        _walk(item)
    return item


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")


def _walk(item):
    stack = [(item, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise BadLine("JSON nested deeper than %d levels" % MAX_DEPTH)
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
            stack.extend((k, depth) for k in value)
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
        elif isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise BadLine("a lone surrogate (\\u%04x) in a string"
                              % ord(exc.object[exc.start])) from None


def iter_raw(data_dir, source=None, rejects=None):
    """Every raw item on disk, oldest file first.  A line that is no raw item (torn, not
    UTF-8, not a JSON object, too deep) is skipped and passed to ``rejects(reason, path,
    line number, line)`` when given (``Quarantine.add``), so that one bad line never stops
    a run."""
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
            path = os.path.join(folder, filename)
            with open(path, "rb") as f:
                for number, line in enumerate(f, 1):
                    if not line.strip():
                        continue
                    try:
                        yield read_raw_line(line)
                    except BadLine as exc:
                        reason = str(exc) if line.endswith(b"\n") else "torn (no line end)"
                        log.warning("%s line %d: skipped, %s", path, number, reason)
                        if rejects:
                            rejects(reason, path, number, line)


class Quarantine:
    """Input a run could not use, kept with where it came from and why, in
    ``quarantine/<run>.jsonl`` (rewritten by each run of that kind, so it lists what is
    wrong now, not what once was)."""

    MAX_LINE = 1 << 20  # bytes of one bad line kept

    def __init__(self, data_dir, run):
        self.data_dir = data_dir
        self.path = os.path.join(data_dir, "quarantine", "%s.jsonl" % run)
        self.entries = []

    def add(self, reason, path=None, line_number=None, line=None, **about):
        entry = {"reason": reason, **about}
        if path:
            entry["file"] = os.path.relpath(path, self.data_dir)
            entry["line"] = line_number
        if line is not None:
            entry["content"] = line[:self.MAX_LINE].decode("utf-8", "backslashreplace") \
                if isinstance(line, bytes) else line[:self.MAX_LINE]
        self.entries.append(entry)

    def __len__(self):
        return len(self.entries)

    def save(self):
        if not self.entries and not os.path.exists(self.path):
            return
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        with open(self.path + ".tmp", "w", encoding="utf-8") as f:
            for entry in self.entries:
                f.write(json.dumps(entry, ensure_ascii=False) + "\n")
        os.replace(self.path + ".tmp", self.path)


def document_matches(path):
    """Do a stored document's bytes match the SHA-256 its name carries?"""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return os.path.basename(path).split(".")[0] == digest.hexdigest()


def damaged_documents(data_dir):
    """Names of stored documents whose bytes no longer match their SHA-256."""
    folder = os.path.join(data_dir, "documents")
    if not os.path.isdir(folder):
        return []
    return sorted(name for name in os.listdir(folder) if not name.endswith(".part")
                  and not document_matches(os.path.join(folder, name)))


def quarantined(data_dir):
    """{run: number of entries} of every quarantine file."""
    folder = os.path.join(data_dir, "quarantine")
    out = {}
    if os.path.isdir(folder):
        for name in sorted(os.listdir(folder)):
            if name.endswith(".jsonl"):
                with open(os.path.join(folder, name), "rb") as f:
                    out[name[:-6]] = sum(1 for _ in f)
    return out


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


class Busy(Exception):
    """Another run holds a lock this run needs."""

    exit_code = 75  # EX_TEMPFAIL: try again when the other run has ended


@contextmanager
def lock(data_dir, name, command=None):
    """Hold the lock ``name`` on the data directory for the length of a run: one writer of
    the store (``index``, ``index --rebuild``, ``export``) and one crawl per source at a
    time.  The kernel drops the lock of a run that dies, so a killed run's lock is taken
    over by the next; a run that finds it held raises Busy naming the holder."""
    if fcntl is None:
        yield
        return
    folder = os.path.join(data_dir, "locks")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, name + ".lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Busy("%s is locked by another run (%s); it was not started again. Wait for "
                       "that run to end, or stop it." % (name, _holder(fd))) from None
        previous = _holder(fd)
        if previous != "unknown":
            log.info("taking over the lock %s of a run that ended without releasing it (%s)",
                     name, previous)
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({
            "pid": os.getpid(), "command": command or " ".join(sys.argv[1:]) or None,
            "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}).encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # releases the lock


def _holder(fd):
    try:
        about = json.loads(os.pread(fd, 4096, 0) or b"null")
        return "pid %(pid)s, started %(started)s: %(command)s" % about
    except (ValueError, TypeError, KeyError):
        return "unknown"
