"""Stores behind one interface (``indexer.store.base.Store``), chosen by configuration.

``open_store("embedded", path)`` is the default (SQLite + tantivy under the data
directory); ``open_store("elasticsearch", url)`` is the scale-out backend (issue-tracked,
installed with the ``elasticsearch`` extra).
"""

import os


def open_store(kind="embedded", location=None, readonly=False):
    if kind == "embedded":
        from indexer.store.embedded import EmbeddedStore

        return EmbeddedStore(location or os.path.join("data", "store"), readonly=readonly)
    raise ValueError("unknown store %r (known: embedded)" % kind)
