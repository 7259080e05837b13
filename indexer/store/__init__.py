"""Stores behind one interface (``indexer.store.base.Store``), chosen by configuration.

``open_store("embedded", path)`` is the default (SQLite + tantivy under the data
directory); ``open_store("elasticsearch", url)`` is the scale-out backend, installed with
the ``elasticsearch`` extra (options: ``prefix``, ``api_key``, ``shards``, ``replicas``;
environment: ``ELASTICSEARCH_URL``, ``ELASTICSEARCH_API_KEY``, ``PENALTY_ARCHIVE_ES_PREFIX``,
``PENALTY_ARCHIVE_ES_SHARDS``, ``PENALTY_ARCHIVE_ES_REPLICAS``).

The kind is picked by ``PENALTY_ARCHIVE_STORE`` (``embedded`` or ``elasticsearch``) where
the caller does not name one: see ``configured_kind``.
"""

import os

KINDS = ("embedded", "elasticsearch")


def configured_kind(default="embedded"):
    """The store kind the environment asks for (``PENALTY_ARCHIVE_STORE``)."""
    kind = (os.environ.get("PENALTY_ARCHIVE_STORE") or default).strip().lower()
    if kind not in KINDS:
        raise ValueError("PENALTY_ARCHIVE_STORE=%r: one of %s" % (kind, ", ".join(KINDS)))
    return kind


def open_store(kind="embedded", location=None, readonly=False, **options):
    if kind == "embedded":
        from indexer.store.embedded import EmbeddedStore

        return EmbeddedStore(location or os.path.join("data", "store"), readonly=readonly)
    if kind == "elasticsearch":
        try:
            from indexer.store.elastic import ElasticStore
        except ImportError as exc:  # the extra is not installed
            raise RuntimeError("the Elasticsearch store needs `pip install "
                               "penalty-archive[elasticsearch]` (%s)" % exc) from exc
        return ElasticStore(location, readonly=readonly, **options)
    raise ValueError("unknown store %r (known: %s)" % (kind, ", ".join(KINDS)))
