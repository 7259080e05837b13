"""The JSON API through the test client, and schemathesis against the live server."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import live_server

DOCID = "cn_samr_cfws:2a316e9ce2ef472fa8e5b22a0fe582ec"  # 吴利市监处罚〔2025〕166号


def test_search_pages_with_next_links(client):
    first = client.get("/api/v1/decisions?page_size=2&sort=newest")
    assert first.status_code == 200
    assert first.content_type == "application/json"
    body = first.get_json()
    assert body["total"] >= 5 and body["pages"] == -(-body["total"] // 2)
    assert len(body["results"]) == 2
    assert body["links"]["prev"] is None
    assert 'rel="next"' in first.headers["Link"]
    seen = [r["id"] for r in body["results"]]
    url = body["links"]["next"]
    while url:
        page = client.get(url).get_json()
        seen += [r["id"] for r in page["results"]]
        url = page["links"]["next"]
    assert len(seen) == len(set(seen)) == body["total"]
    dates = [d for d in (client.get("/api/v1/decisions/" + i).get_json()["decision"]
                         ["decision_date"] for i in seen) if d]
    assert dates == sorted(dates, reverse=True)
    assert {"type", "source", "year"} <= set(body["facets"])


def test_search_filters_and_text(client):
    body = client.get("/api/v1/decisions?q=盐酸帕罗西汀").get_json()
    assert [r["id"] for r in body["results"]] == [DOCID]
    body = client.get("/api/v1/decisions?source=cn_samr_cfws&year=2025").get_json()
    assert body["total"] >= 1
    assert all(r["decision_date"].startswith("2025") for r in body["results"])


def test_one_decision_with_versions_and_cache_headers(client):
    response = client.get("/api/v1/decisions/" + DOCID)
    assert response.status_code == 200
    body = response.get_json()
    assert body["decision"]["decision_number"] == "吴利市监处罚〔2025〕166号"
    assert body["decision"]["confiscation_amount"] == "412.8"
    assert body["versions"][0]["version"] == 1
    assert body["links"]["html"] == "/decisions/" + DOCID
    etag, modified = response.headers["ETag"], response.headers["Last-Modified"]
    again = client.get("/api/v1/decisions/" + DOCID, headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.data
    since = client.get("/api/v1/decisions/" + DOCID, headers={"If-Modified-Since": modified})
    assert since.status_code == 304


def test_errors_are_json_naming_the_parameter(client):
    response = client.get("/api/v1/decisions?page=abc")
    assert response.status_code == 400
    assert response.get_json() == {"error": {"message": "not a whole number: 'abc'",
                                             "parameter": "page"}}
    body = client.get("/api/v1/facets?from=2025-02-01&to=2025-01-01").get_json()
    assert body["error"]["parameter"] == "from"
    missing = client.get("/api/v1/decisions/cn_samr_cfws:nothing")
    assert missing.status_code == 404 and missing.get_json()["error"]["parameter"] == "id"
    unknown = client.get("/api/v1/nothing-here")
    assert unknown.status_code == 404 and "error" in unknown.get_json()
    post = client.post("/api/v1/decisions")
    assert post.status_code == 405 and "GET" in post.headers["Allow"]
    assert "error" in post.get_json()
    # The HTML site keeps its HTML errors.
    assert client.get("/no-such-page").content_type.startswith("text/html")


def test_cors_for_get(client):
    response = client.get("/api/v1/stats", headers={"Origin": "https://example.org"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    preflight = client.options("/api/v1/decisions", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 200
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]


def test_facets_stats_and_sources(client):
    facets = client.get("/api/v1/facets?q=明码标价").get_json()
    search = client.get("/api/v1/decisions?q=明码标价").get_json()
    assert facets["total"] == search["total"] and facets["facets"] == search["facets"]
    stats = client.get("/api/v1/stats").get_json()
    assert stats["decisions"] >= 5
    assert sum(stats["by_source"].values()) == stats["searchable"]
    sources = client.get("/api/v1/sources").get_json()["sources"]
    cfws = next(s for s in sources if s["name"] == "cn_samr_cfws")
    assert cfws["decisions"] == stats["by_source"]["cn_samr_cfws"]
    assert cfws["last_crawl"]["ok"] is True


def test_rate_limit_answers_429_with_retry_after(archive):
    from webapp import create_app

    app = create_app({"DATA_DIR": str(archive), "TESTING": True,
                      "RATELIMIT_API": "3 per minute"})
    client = app.test_client()
    assert [client.get("/api/v1/stats").status_code for _ in range(3)] == [200] * 3
    limited = client.get("/api/v1/stats")
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.get_json()["error"]["message"].startswith("Rate limit exceeded")
    assert limited.headers["Access-Control-Allow-Origin"] == "*"
    other = client.get("/api/v1/stats", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 200  # per client


def test_openapi_document_describes_the_routes(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    routes = {rule.rule.replace("<path:decision_id>", "{id}")
              for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")}
    assert {"/api/v1" + path for path in document["paths"]} == routes
    names = {p["name"] for p in document["paths"]["/decisions"]["get"]["parameters"]}
    from indexer.query import Query

    every = {"q": "x", "type": "pi", "authority": "a", "region": "CN-AH", "jurisdiction": "CN",
             "source": "s", "penalty": "fine", "party": "p", "year": "2024",
             "from": "2024-01-01", "to": "2024-12-31", "min_amount": "1", "max_amount": "2",
             "currency": "EUR", "sort": "newest", "page": "2", "page_size": "5"}
    used = {name for name, _ in Query.from_params(every).to_params()}
    assert len(used) >= 15 and used <= names


# -- schemathesis against the real server ---------------------------------------------------

@pytest.fixture(scope="module")
def api_server(archive, tmp_path_factory):
    log = tmp_path_factory.mktemp("server") / "server.log"
    with live_server(archive, log, "/api/v1/", {"PENALTY_ARCHIVE_RATELIMIT_ENABLED": "0"}) as base:
        yield base


@pytest.mark.e2e
def test_schemathesis_finds_no_failure(api_server, tmp_path):
    """Every check except positive_data_acceptance: the API rejects `from` after `to` and
    `min_amount` above `max_amount`, constraints between parameters that OpenAPI cannot
    state."""
    report = tmp_path / "report.json"
    result = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "schemathesis"), "run",
         api_server + "/api/v1/openapi.json", "--checks", "all",
         "--exclude-checks", "positive_data_acceptance", "--max-examples", "25",
         "--seed", "7", "--generation-database", "none", "--workers", "2", "--no-color",
         "--report", "ndjson", "--report-ndjson-path", str(report)],
        capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-6000:]
    assert "No issues found" in result.stdout
    assert "Operations:       7 selected" in result.stdout
    events = [json.loads(line) for line in report.read_text().splitlines()]
    assert len(events) > 10
