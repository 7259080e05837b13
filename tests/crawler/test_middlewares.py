"""Block pages are recognised (the real AEPD page), not parsed; back-off honours Retry-After."""

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, TextResponse
from scrapy.utils.test import get_crawler

from crawler.middlewares import BackoffRetryMiddleware, BlockPageMiddleware, _retry_after


@pytest.fixture
def crawler():
    return get_crawler(settings_dict={"BACKOFF_HTTP_CODES": [429, 503],
                                      "BACKOFF_MAX_RETRIES": 2, "BACKOFF_BASE_DELAY": 5.0,
                                      "BACKOFF_MAX_DELAY": 600.0})


def html(url, body, status=200):
    return HtmlResponse(url, body=body, status=status, encoding="utf-8",
                        headers={"Content-Type": "text/html"})


def test_real_block_page_is_recognised_and_retried(crawler, corpus):
    body = (corpus / "intl" / "misc" / "aepd_block_page.html").read_bytes()
    middleware = BlockPageMiddleware.from_crawler(crawler)
    request = Request("https://www.aepd.es/informes-y-resoluciones/resoluciones")
    response = html(request.url, body, status=403)
    assert middleware.block_kind(response).name == "akamai"
    retry = middleware.process_response(request, response)
    assert isinstance(retry, Request) and retry.meta["backoff_delay"] == 5.0
    assert crawler.stats.get_value("penalty_archive/blocked") == 1


def test_real_decision_pages_are_not_block_pages(crawler, corpus):
    middleware = BlockPageMiddleware.from_crawler(crawler)
    for page in sorted((corpus / "intl" / "gdprhub_pages").glob("*.html"))[:10]:
        assert not middleware.block_kind(html("https://gdprhub.eu/x", page.read_bytes()))
    api = TextResponse("https://cfws.samr.gov.cn/queryDoc", body=b'{"result": {}}',
                       headers={"Content-Type": "application/json"})
    assert not middleware.block_kind(api)


def test_backoff_doubles_honours_retry_after_and_gives_up(crawler):
    middleware = BackoffRetryMiddleware.from_crawler(crawler)
    request = Request("https://example.org/list")
    first = middleware.process_response(request, html(request.url, b"", status=503))
    assert first.meta["backoff_delay"] == 5.0
    second = middleware.process_response(first, html(request.url, b"", status=503))
    assert second.meta["backoff_delay"] == 10.0
    limited = html(request.url, b"", status=429)
    limited.headers["Retry-After"] = "120"
    assert middleware.process_response(request, limited).meta["backoff_delay"] == 120.0
    gave_up = middleware.process_response(second, html(request.url, b"", status=503))
    assert gave_up.status == 503  # after BACKOFF_MAX_RETRIES the response goes on


def test_retry_after_forms():
    assert _retry_after(b"30") == 30.0
    assert _retry_after(b"Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert _retry_after(b"soon") is None and _retry_after(None) is None


@pytest.mark.parametrize("page, status, kind", [
    ("jiasule_521.html", 521, "jiasule"), ("jiasule_521_step2.html", 521, "jiasule"),
    ("jiasule_521.html", 200, "jiasule"), ("ruishu_412.html", 412, "ruishu"),
    ("ruishu_412.html", 202, "ruishu"), ("forbidden_403.html", 403, "forbidden")])
def test_challenge_pages_are_recognised_by_kind(crawler, page, status, kind):
    from tests.conftest import FIXTURES

    body = (FIXTURES / "block_pages" / page).read_bytes()
    middleware = BlockPageMiddleware.from_crawler(crawler)
    assert middleware.block_kind(html("https://www.example.cn/list", body, status)).name == kind


def test_answers_of_every_source_fixture_are_not_block_pages(crawler, corpus):
    """The sources' saved (or documented-shape) answers and the corpus PDFs are content."""
    from crawler.cli import spider_classes
    from crawler.replay import load_replay
    from tests.conftest import FIXTURES

    exchanges, _ = load_replay(str(FIXTURES), spider_classes(), str(corpus))
    middleware = BlockPageMiddleware.from_crawler(crawler)
    assert len(exchanges) > 40
    for ex in exchanges:
        response = TextResponse(ex["url"], body=ex["body"], status=ex["status"],
                                headers=dict(ex["headers"]))
        assert middleware.block_kind(response) is None, ex["url"]
