"""Scrapy settings shared by every source: polite by default.

robots.txt is obeyed, one request at a time per site, AutoThrottle adapts the delay to the
site's latency, 429 and 5xx answers are retried with exponential back-off (honouring
Retry-After), and the User-Agent names the archive and where to learn about it.  Sources
may tighten these in ``custom_settings``; ``penalty-archive crawl`` sets the data
directory and, with ``--replay``, the replay server.
"""

import os

from crawler import __version__

BOT_NAME = "penalty-archive"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

CONTACT_URL = os.environ.get("PENALTY_ARCHIVE_CONTACT",
                             "https://github.com/penalty-archive/penalty-archive")
USER_AGENT = "penalty-archive/%s (+%s)" % (__version__, CONTACT_URL)

ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 2.0
DOWNLOAD_DELAY_JITTER = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 60
COOKIES_ENABLED = True
TELNETCONSOLE_ENABLED = False
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"

# Retries: the built-in middleware is replaced by one with exponential back-off.
RETRY_ENABLED = False
BACKOFF_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
BACKOFF_MAX_RETRIES = 5
BACKOFF_BASE_DELAY = 5.0
BACKOFF_MAX_DELAY = 600.0

DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    "crawler.middlewares.BlockPageMiddleware": 560,
    "crawler.middlewares.ContentCheckMiddleware": 570,
    "crawler.middlewares.WarcRecorderMiddleware": 900,
}

SPIDER_MIDDLEWARES = {
    "crawler.middlewares.ListPageMiddleware": 60,  # after HttpErrorMiddleware (50)
}

ITEM_PIPELINES = {
    "crawler.pipelines.ValidationPipeline": 100,
    "crawler.pipelines.DocumentStorePipeline": 200,
    "crawler.pipelines.RawItemWriterPipeline": 300,
}

EXTENSIONS = {
    "crawler.extensions.CrawlReport": 500,
}

# Set by the CLI.
PENALTY_ARCHIVE_DATA = os.environ.get("PENALTY_ARCHIVE_DATA", "data")
REPLAY_SERVER = None  # "127.0.0.1:PORT" when replaying
MAX_PAGES = None  # list pages per source; None = no bound
SINCE = None  # ISO date: ignore decisions older than this
PROGRESS = False  # print a progress line to stderr
SPIDER_ARGUMENTS = {}  # {source: arguments}, recorded in each WARC's warcinfo
