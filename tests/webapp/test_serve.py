"""The production server (`penalty-archive serve`: gunicorn, two workers) on the offline
demo: SIGTERM finishes the requests in flight and exits within 10 s; rate limits hold
across workers; the health endpoint; absolute URLs never come from the Host header."""

import json
import signal
import socket
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from tests.conftest import live_server


def get(url, headers=None):
    request = urllib.request.Request(url, headers=dict(headers or {}, Connection="close"))
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_sigterm_finishes_the_request_in_flight_and_exits(demo_archive, tmp_path):
    processes = []
    with live_server(demo_archive, tmp_path / "serve.log", process_out=processes) as base:
        server = processes[0]
        status, body = get(base + "/healthz")
        assert status == 200 and json.loads(body)["decisions"] > 100
        # A large export read slowly (a small receive buffer): the worker is still writing
        # it when SIGTERM arrives.
        host, port = urlsplit(base).hostname, urlsplit(base).port
        client = socket.socket()
        client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        client.connect((host, port))
        client.sendall(b"GET /search.jsonl HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        first = client.recv(4096)
        assert first.startswith(b"HTTP/1.1 200")
        time.sleep(0.5)
        server.send_signal(signal.SIGTERM)
        stopped = time.monotonic()
        rest = [first]
        while True:
            block = client.recv(65536)
            if not block:
                break
            rest.append(block)
            time.sleep(0.001)
        client.close()
        server.wait(timeout=15)
        assert time.monotonic() - stopped < 10
        assert server.returncode == 0
    response = b"".join(rest)
    body = response.split(b"\r\n\r\n", 1)[1]
    if b"chunked" in response.split(b"\r\n\r\n", 1)[0].lower():
        assert body.endswith(b"0\r\n\r\n")  # the last chunk: the answer is complete
    lines = [line for line in body.split(b"\n") if line.startswith(b"{")]
    assert len(lines) > 100


def test_rate_limits_hold_across_workers(demo_archive, tmp_path):
    overrides = {"PENALTY_ARCHIVE_RATELIMIT_API": "6 per minute",
                 "PENALTY_ARCHIVE_RATELIMIT_STORAGE_URI": "sqlite:///%s" % (
                     tmp_path / "limits.sqlite")}
    with live_server(demo_archive, tmp_path / "serve.log", "/healthz", overrides) as base:
        statuses = [get(base + "/api/v1/stats")[0] for _ in range(8)]  # a new connection each
    assert statuses == [200] * 6 + [429] * 2
    log = (tmp_path / "serve.log").read_text()
    assert log.count("GET /api/v1/stats") == 8  # the access log
    assert "Booting worker" in log and log.count("Booting worker") >= 2


def test_absolute_urls_come_from_configuration_not_the_host_header(demo_archive, tmp_path):
    overrides = {"PENALTY_ARCHIVE_PUBLIC_URL": "https://archive.example.org"}
    with live_server(demo_archive, tmp_path / "serve.log", "/healthz", overrides) as base:
        status, feed = get(base + "/feeds/decisions.atom", {"Host": "evil.example"})
        assert status == 200
        assert b"evil.example" not in feed
        assert b"https://archive.example.org/decisions/" in feed
        status, _ = get(base + "/feeds/decisions.atom?q=%00")
        assert status == 400
