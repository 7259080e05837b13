"""A ``limits`` storage in one SQLite file (``sqlite:///path``): the counters every worker
of the production server sees, with no server to install.

Each hit is one short ``BEGIN IMMEDIATE`` transaction (an upsert that restarts an expired
window); SQLite's file lock serializes the workers.  Put the file on local disk or in
``/dev/shm`` (shared memory), never on a network file system.
"""

import os
import sqlite3
import threading
import time

from limits.storage import Storage

SCHEMA = """CREATE TABLE IF NOT EXISTS counters (
    key TEXT PRIMARY KEY, value INTEGER NOT NULL, expires REAL NOT NULL)"""


class SQLiteStorage(Storage):
    STORAGE_SCHEME = ["sqlite"]

    def __init__(self, uri, wrap_exceptions=False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        # sqlite:///relative/path, sqlite:////absolute/path (as SQLAlchemy writes them)
        self.path = uri.split("://", 1)[1][1:] or ":memory:"
        if self.path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
        self._local = threading.local()
        with self._db() as db:
            db.execute(SCHEMA)

    @property
    def base_exceptions(self):
        return sqlite3.Error

    def _db(self):
        db = getattr(self._local, "db", None)
        if db is None or getattr(self._local, "pid", None) != os.getpid():  # forked worker
            db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=OFF")  # counters, not records
            self._local.db, self._local.pid = db, os.getpid()
        return db

    def incr(self, key, expiry, amount=1):
        now = time.time()
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            row = db.execute(
                "INSERT INTO counters VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET "
                "value = CASE WHEN expires <= ? THEN excluded.value ELSE value + excluded.value "
                "END, expires = CASE WHEN expires <= ? THEN excluded.expires ELSE expires END "
                "RETURNING value", (key, amount, now + expiry, now, now)).fetchone()
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return row[0]

    def get(self, key):
        row = self._db().execute("SELECT value FROM counters WHERE key = ? AND expires > ?",
                                 (key, time.time())).fetchone()
        return row[0] if row else 0

    def get_expiry(self, key):
        row = self._db().execute("SELECT expires FROM counters WHERE key = ?",
                                 (key,)).fetchone()
        return row[0] if row else time.time()

    def check(self):
        try:
            self._db().execute("SELECT 1")
            return True
        except sqlite3.Error:
            return False

    def reset(self):
        return self._db().execute("DELETE FROM counters").rowcount

    def clear(self, key):
        self._db().execute("DELETE FROM counters WHERE key = ?", (key,))
