"""Records at rest: JSON compressed by zstd with a dictionary trained on the store's records.

A decision's JSON is a few kilobytes that share most of their words with other decisions
(field names, authorities, statute titles, set phrases). Compressed one at a time, a
record shrinks about threefold; with a dictionary trained on the store's own records,
about sevenfold (the corpus's 1,091 real decisions: 4.7 KB of JSON -> 0.65 KB, against
1.5 KB with zlib). zstd frames name their dictionary, and dictionaries are kept by that
id in the table ``dictionaries``: a record is readable whatever dictionary packed it.
Values written by older releases (JSON text, zlib-compressed JSON) are read as they are.
"""

import threading
import zlib

import zstandard

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
LEVEL = 3
DICTIONARY_SIZE = 112640  # zstd's default
TRAIN_AT = 256  # records a batch must hold to train the store's first dictionary

SCHEMA_SQL = "CREATE TABLE IF NOT EXISTS dictionaries (id INTEGER PRIMARY KEY, data BLOB NOT NULL);"


class Packer:
    """Packs and unpacks record JSON for one store; thread-safe (one zstd context per
    thread and dictionary, as zstandard's contexts are not)."""

    def __init__(self, db):
        self._db = db  # callable: the calling thread's connection
        self._dictionaries = {}
        self._local = threading.local()
        self._load()

    def _load(self):
        for dict_id, data in self._db().execute("SELECT id, data FROM dictionaries"):
            if dict_id not in self._dictionaries:
                self._dictionaries[dict_id] = zstandard.ZstdCompressionDict(data)

    @property
    def trained(self):
        return bool(self._dictionaries)

    def train(self, db, samples):
        """Train the store's dictionary on ``samples`` (JSON texts) within ``db``'s open
        transaction; too few or too alike samples leave the store without one."""
        try:
            dictionary = zstandard.train_dictionary(
                DICTIONARY_SIZE, [s.encode("utf-8") for s in samples], level=LEVEL)
        except zstandard.ZstdError:
            return
        db.execute("INSERT OR REPLACE INTO dictionaries VALUES (?, ?)",
                   (dictionary.dict_id(), dictionary.as_bytes()))
        self._dictionaries[dictionary.dict_id()] = dictionary

    def _context(self, kind, dict_id):
        contexts = self._local.__dict__.setdefault(kind, {})
        context = contexts.get(dict_id)
        if context is None:
            dictionary = self._dictionaries.get(dict_id) if dict_id else None
            if dict_id and dictionary is None:  # trained by another process since we opened
                self._load()
                dictionary = self._dictionaries[dict_id]
            cls = zstandard.ZstdCompressor if kind == "c" else zstandard.ZstdDecompressor
            options = {"level": LEVEL} if kind == "c" else {}
            context = contexts[dict_id] = (cls(dict_data=dictionary, **options) if dictionary
                                           else cls(**options))
        return context

    def pack(self, text):
        dict_id = max(self._dictionaries) if self._dictionaries else 0  # a store trains one
        return self._context("c", dict_id).compress(text.encode("utf-8"))

    def unpack(self, value):
        if isinstance(value, str):
            return value
        if value[:4] == ZSTD_MAGIC:
            dict_id = zstandard.get_frame_parameters(value).dict_id
            return self._context("d", dict_id).decompress(value).decode("utf-8")
        return zlib.decompress(value).decode("utf-8")
