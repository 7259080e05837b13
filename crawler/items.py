"""Raw items: a decision as its source published it (schema: indexer.schema.RAW_ITEM_SCHEMA).

Spiders yield plain dicts with these keys; ``document_body``/``document_ext`` carry a
fetched original document to ``DocumentStorePipeline``, which stores it
content-addressed and replaces them by ``document_path`` and ``document_sha256``.
"""

from datetime import datetime, timezone

from indexer.schema import RAW_ITEM_FIELDS

TRANSIENT_FIELDS = ("document_body", "document_ext")
FIELDS = tuple(RAW_ITEM_FIELDS) + TRANSIENT_FIELDS


def raw_item(source, **fields):
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise KeyError("not raw item fields: %s" % ", ".join(sorted(unknown)))
    item = {"source": source,
            "fetched_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat()}
    item.update((k, v) for k, v in fields.items() if v is not None)
    return item
