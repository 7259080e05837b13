"""Search exports kept on disk: built once per query and state of the data, in the
background, a bounded number at a time, and streamed to every client that asks.

A search export (``/search.csv``, ``/search.jsonl``) depends only on the query and on the
store's data.  Its key is a hash of the format, the query's parameters and the data's
state (the embedded store's files: size and time of ``decisions.sqlite`` and its WAL, the
live search generation), so any write to the store makes new keys; old files age out.

- The first request for a key starts a build: a child process (spawned, so that the
  build's CPU never holds the worker's GIL against its other requests) writes the file at
  full speed, whatever the pace of the client, to ``<key>.<unique>.part`` under
  ``DATA_DIR/cache/exports``; a background thread of the worker holds an exclusive
  ``flock`` on that file while the child runs, then renames it ``<key><suffix>``.  That
  request, and every request for the key meanwhile in any worker of the server, streams
  the part file as it grows.  One build per key: ``<key>.lock`` elects the builder.
- Later requests are sent the finished file whole, with its length, an ETag (the key)
  and byte ranges.
- At most ``EXPORT_BUILDS`` builds run at once across the server's workers (``slot-N``
  lock files; env ``PENALTY_ARCHIVE_EXPORT_BUILDS``, default half the cores, at least
  one), so that exports cannot take every core from searches; a build waits for a slot.
- The folder is kept under ``EXPORT_CACHE_BYTES`` (env ``PENALTY_ARCHIVE_EXPORT_CACHE_BYTES``,
  default 2 GiB) by removing the least recently used files after each build.
- A build whose process died leaves a part file that no lock holds: it is ignored, and
  removed by the next build of its key.

Written here rather than taken from a caching library: Flask-Caching and diskcache keep
finished values; neither streams a value to several readers in several processes while it
is being built, which is what keeps the first byte of a large export fast.
"""

import fcntl
import hashlib
import json
import logging
import multiprocessing
import os
import threading
import time
import uuid

log = logging.getLogger(__name__)

KEY_LENGTH = 40
CHUNK = 1 << 16
POLL = 0.02  # seconds between looks at a growing part file
STATE_FILES = ("decisions.sqlite", "decisions.sqlite-wal")


def default_builds():
    return max(1, (os.cpu_count() or 2) // 2)


def data_state(store_dir):
    """What changes whenever the embedded store's data does: its files' sizes and times,
    and the name of the live search generation."""
    parts = []
    for name in STATE_FILES:
        try:
            info = os.stat(os.path.join(store_dir, name))
        except OSError:
            parts.append(None)
            continue
        parts.append((info.st_size, info.st_mtime_ns))
    try:
        with open(os.path.join(store_dir, "search", "CURRENT"), encoding="utf-8") as f:
            parts.append(f.read().strip())
    except OSError:
        pass
    return parts


def _locked(fd):
    """Whether another open file holds a lock on the file of ``fd``."""
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    fcntl.flock(fd, fcntl.LOCK_UN)
    return False


def _write(produce, path):
    """A build's process: the export's text into the part file."""
    with open(path, "ab") as out:
        for text in produce():
            out.write(text.encode("utf-8"))
            out.flush()


class ExportCache:
    """``produce`` (what ``stream`` is given) is a picklable callable returning the
    export's text in pieces; ``processes=False`` runs it in the worker's thread instead
    (any callable)."""

    def __init__(self, folder, max_bytes, builds, processes=True):
        self.folder = folder
        self.max_bytes = max_bytes
        self.builds = builds
        self.processes = processes
        os.makedirs(folder, exist_ok=True)

    def key(self, kind, params, state):
        raw = json.dumps([kind, sorted(params), state], ensure_ascii=False, default=str)
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:KEY_LENGTH]

    def path(self, key, suffix):
        return os.path.join(self.folder, key + suffix)

    def finished(self, key, suffix):
        """The finished file's path, its use recorded, or None."""
        path = self.path(key, suffix)
        try:
            os.utime(path)
        except FileNotFoundError:
            return None
        return path

    def stream(self, key, suffix, produce, deadline=600):
        """Chunks (bytes) of the export ``key``: a build's part file as it grows, the
        build started here when none runs (``produce()`` yields the export's text).
        Returns None when the file was finished meanwhile (send it whole)."""
        give_up = time.monotonic() + deadline
        while time.monotonic() < give_up:
            if self.finished(key, suffix):
                return None
            fd = self._live_part(key)
            if fd is None:
                fd = self._start_build(key, suffix, produce)
            if fd is not None:
                return self._tail(fd, key, suffix)
            time.sleep(POLL)  # a builder elected but its part not created yet
        raise TimeoutError("export %s: no build could be followed" % key)

    # -- building ------------------------------------------------------------------------

    def _start_build(self, key, suffix, produce):
        """Become the key's builder (None if another is): a locked part file, written by a
        background thread; returns a reading descriptor on it."""
        lock = os.open(self.path(key, ".lock"), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(lock)
            return None
        if self.finished(key, suffix):
            os.close(lock)
            return None
        self._remove_dead_parts(key)
        part = self.path(key, ".%s.part" % uuid.uuid4().hex[:12])
        out = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        fcntl.flock(out, fcntl.LOCK_EX)
        reader = os.open(part, os.O_RDONLY)
        threading.Thread(target=self._build, args=(key, suffix, produce, lock, out, part),
                         name="export-" + key[:8], daemon=True).start()
        return reader

    def _build(self, key, suffix, produce, lock, out, part):
        slot = self._take_slot()
        try:
            started = time.monotonic()
            if self.processes:
                child = multiprocessing.get_context("spawn").Process(
                    target=_write, args=(produce, part), name="export-" + key[:8])
                child.start()
                child.join()
                if child.exitcode:
                    raise RuntimeError("its process ended with %s" % child.exitcode)
            else:
                _write(produce, part)
            os.rename(part, self.path(key, suffix))
            log.info("export %s built in %.1f s", key, time.monotonic() - started)
        except Exception:  # the readers see the part unlocked and not renamed: they stop
            log.exception("export %s: the build failed", key)
            try:
                os.unlink(part)
            except OSError:
                pass
        finally:
            os.close(out)  # releases the part's lock
            os.close(slot)
            os.close(lock)
        self._evict(keep=key)

    def _take_slot(self):
        while True:
            for n in range(self.builds):
                fd = os.open(os.path.join(self.folder, "slot-%d" % n),
                             os.O_RDWR | os.O_CREAT, 0o644)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return fd
                except BlockingIOError:
                    os.close(fd)
            time.sleep(POLL * 5)

    def _parts(self, key):
        prefix = key + "."
        return [os.path.join(self.folder, name) for name in os.listdir(self.folder)
                if name.startswith(prefix) and name.endswith(".part")]

    def _live_part(self, key):
        """A reading descriptor on the part file a running build holds, or None."""
        for path in self._parts(key):
            try:
                fd = os.open(path, os.O_RDONLY)
            except FileNotFoundError:
                continue
            if _locked(fd):
                return fd
            os.close(fd)
        return None

    def _remove_dead_parts(self, key):
        for path in self._parts(key):
            try:
                os.unlink(path)
            except OSError:
                pass

    def _evict(self, keep):
        """Remove the least recently used finished files while the folder holds more than
        ``max_bytes`` (never the file just built, ``keep``'s)."""
        files = []
        for name in os.listdir(self.folder):
            if name.endswith((".part", ".lock")) or name.startswith("slot-"):
                continue
            try:
                info = os.stat(os.path.join(self.folder, name))
            except FileNotFoundError:
                continue
            files.append((info.st_mtime, info.st_size, name))
        total = sum(size for _, size, _ in files)
        for _, size, name in sorted(files):
            if total <= self.max_bytes:
                break
            if name.startswith(keep):
                continue
            for path in (os.path.join(self.folder, name), self.path(name[:KEY_LENGTH], ".lock")):
                try:
                    os.unlink(path)
                except OSError:
                    pass
            total -= size

    # -- reading -------------------------------------------------------------------------

    def _tail(self, fd, key, suffix):
        try:
            while True:
                data = os.read(fd, CHUNK)
                if data:
                    yield data
                    continue
                if _locked(fd):  # still being written
                    time.sleep(POLL)
                    continue
                data = os.read(fd, CHUNK)  # what was written before the lock went
                if data:
                    yield data
                    continue
                if not os.path.exists(self.path(key, suffix)):
                    raise RuntimeError("export %s: its build failed" % key)
                return
        finally:
            os.close(fd)
