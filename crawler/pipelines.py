"""Item pipelines: validate once, store documents content-addressed, append raw JSONL.

Sanity checks live here, not in spiders (one bad record is logged and dropped, never
silently fixed); every accepted item is appended to ``data/raw/<source>/<date>.jsonl``
and flushed at once, so a crash loses at most the item being written, and a re-run
resumes from what is there (spiders skip keys already seen).
"""

import hashlib
import json
import logging
import os
import re
from datetime import date

from scrapy.exceptions import DropItem

from indexer.datadir import iter_raw, raw_dir
from indexer.pipeline import document_disagreement
from indexer.schema import RAW_VALIDATOR, validation_errors

log = logging.getLogger(__name__)

_DIGITS = re.compile(r"(\d{4})\D{0,3}(\d{1,2})\D{0,3}(\d{1,2})")
_AMOUNT_NEGATIVE = re.compile(r"(罚款|罚没|没收)[^。；;]{0,10}-\d")


def _plausible_date(text):
    """False only for a date that is clearly wrong (future, or before 1949)."""
    match = _DIGITS.search(text or "")
    if not match:
        return True
    try:
        day = date(*(int(g) for g in match.groups()))
    except ValueError:
        return False
    return date(1949, 10, 1) <= day <= date.today()


class ValidationPipeline:
    def process_item(self, item, spider=None):
        checked = {k: v for k, v in item.items() if k not in ("document_body", "document_ext")}
        if item.get("document_body"):
            checked["document_path"] = "(stored next)"  # DocumentStorePipeline writes it
        errors = validation_errors(checked, RAW_VALIDATOR)
        if not item.get("key"):
            errors.append("key: missing")
        for field in ("decision_date", "published_date"):
            if item.get(field) and not _plausible_date(item[field]):
                errors.append("%s: implausible date %r" % (field, item[field]))
        if item.get("penalty_text") and _AMOUNT_NEGATIVE.search(item["penalty_text"]):
            errors.append("penalty_text: negative amount")
        if errors:
            raise DropItem("invalid item %s: %s" % (item.get("key"), "; ".join(errors)))
        return item


def store_document(data_dir, body, ext):
    """Write a document to data/documents/<sha256>.<ext> (once); returns (path, sha256)."""
    digest = hashlib.sha256(body).hexdigest()
    relative = os.path.join("documents", "%s.%s" % (digest, ext))
    path = os.path.join(data_dir, relative)
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = path + ".part"
        with open(tmp, "wb") as f:
            f.write(body)
        os.replace(tmp, path)
    return relative, digest


class DocumentStorePipeline:
    def __init__(self, data_dir, stats, crawler=None):
        self.data_dir = data_dir
        self.stats = stats
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.get("PENALTY_ARCHIVE_DATA"), crawler.stats, crawler)

    def process_item(self, item, spider=None):
        body = item.pop("document_body", None)
        ext = item.pop("document_ext", None)
        if body:
            item["document_path"], item["document_sha256"] = store_document(
                self.data_dir, body, ext or "bin")
            self.stats.inc_value("penalty_archive/documents")
            spider = spider or getattr(self.crawler, "spider", None)
            if getattr(spider, "documents_may_disagree", False):
                # read now (the text is cached for `index`): is it this row's decision?
                reason = document_disagreement(dict(item), self.data_dir)
                if reason:
                    self.stats.inc_value("penalty_archive/document_mismatch")
                    log.warning("%s %s: the document served is another decision's (%s)",
                                item.get("source"), item.get("key"), reason)
        return item


def seen_keys(data_dir, source):
    """Keys already archived with their document (document-pending ones are not 'seen')."""
    return {item["key"] for item in iter_raw(data_dir, source)
            if item.get("key") and (item.get("document_path") or item.get("text"))}


class RawItemWriterPipeline:
    def __init__(self, data_dir, stats):
        self.data_dir = data_dir
        self.stats = stats
        self.files = {}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.get("PENALTY_ARCHIVE_DATA"), crawler.stats)

    def process_item(self, item, spider=None):
        source = item["source"]
        handle = self.files.get(source)
        if handle is None:
            folder = raw_dir(self.data_dir, source)
            os.makedirs(folder, exist_ok=True)
            handle = open(os.path.join(folder, "%s.jsonl" % date.today().isoformat()), "a",
                          encoding="utf-8")
            self.files[source] = handle
        handle.write(json.dumps(dict(item), ensure_ascii=False, sort_keys=True) + "\n")
        handle.flush()
        self.stats.inc_value("penalty_archive/items")
        if not item.get("document_path") and not item.get("text"):
            self.stats.inc_value("penalty_archive/document_pending")
        return item

    def close_spider(self, spider=None):
        for handle in self.files.values():
            handle.close()
