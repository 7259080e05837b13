"""What every source's spider shares: ``--since``, a budget of list pages
(``--max-pages``), the keys already archived (incremental crawling), and fetching an
item's original document so that the item is kept with it or, when it cannot be had,
without it."""

import scrapy

from crawler.pipelines import seen_keys


class ArchiveSpider(scrapy.Spider):
    title = None  # the regulator and the pages crawled, for `sources` and the sources page
    jurisdiction = None  # ISO 3166-1 alpha-2

    def __init__(self, since=None, max_pages=None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.since = since
        self.max_pages = int(max_pages) if max_pages else None
        self.pages_requested = 0
        self.seen = set()

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        kwargs.setdefault("since", crawler.settings.get("SINCE"))
        kwargs.setdefault("max_pages", crawler.settings.get("MAX_PAGES"))
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.seen = spider.archived(seen_keys(crawler.settings.get("PENALTY_ARCHIVE_DATA"),
                                                cls.name))
        return spider

    def archived(self, keys):
        """What needs no new visit, from the keys of the raw items archived with their
        document; a source whose raw keys extend a listing key maps them back here."""
        return keys

    def take_list_page(self):
        """Count one list page against --max-pages; False once the budget is spent."""
        if self.max_pages is not None and self.pages_requested >= self.max_pages:
            self.logger.info("stopping at --max-pages %d", self.max_pages)
            return False
        self.pages_requested += 1
        return True

    def list_page(self, url, callback, **cb_kwargs):
        """A request for a list page, or None once --max-pages is spent."""
        if not self.take_list_page():
            return None
        return scrapy.Request(url, callback=callback, cb_kwargs=cb_kwargs)

    def list_page_failed(self, failure):
        """Errback of list pages (set by ``crawler.middlewares.ListPageMiddleware``): a list
        page that could not be read leaves the crawl incomplete; counted by reason."""
        from crawler.middlewares import failure_reason

        reason = failure_reason(failure)
        request = getattr(failure, "request", None)
        self.logger.error("list page %s failed: %s", request and request.url, reason)
        self.crawler.stats.inc_value("penalty_archive/list_failed/%s" % reason)

    def list_page_unreadable(self, message, *args):
        """A list page that was fetched but not understood (an unexpected structure, no
        rows where rows were announced): logged as an error and counted as a list page
        that could not be read (``unexpected structure``), not as one read, so the crawl
        is incomplete, or failed when no list page was read."""
        self.logger.error(message, *args)
        stats = self.crawler.stats
        stats.inc_value("penalty_archive/errors")
        stats.inc_value("penalty_archive/list_failed/unexpected structure")
        stats.inc_value("penalty_archive/list_pages", -1)

    def document_request(self, item, url, ext="pdf", magic=b"%PDF"):
        """A request for ``item``'s original document at ``url``: the item is yielded with
        the document when the answer is one (starts with ``magic``), and without it, the
        failure logged, when it is not or cannot be fetched."""
        item["document_url"] = url
        return scrapy.Request(url, callback=self._attach_document, errback=self._keep_item,
                              cb_kwargs={"item": item, "ext": ext, "magic": magic},
                              meta={"document_item": item}, dont_filter=True)

    def _attach_document(self, response, item, ext, magic):
        if response.body.startswith(magic):
            item.update(document_body=response.body, document_ext=ext)
        else:
            self.logger.warning("not a %s document, archived without it: %s", ext, response.url)
        yield item

    def _keep_item(self, failure):
        self.logger.warning("document not archived: %s", failure.request.url)
        yield failure.request.meta["document_item"]
