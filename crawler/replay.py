"""Replay saved responses over real HTTP on 127.0.0.1, so spiders run unchanged offline.

A replay is a set of exchanges (request method, URL and form -> status, headers, body),
read from WARC files that earlier crawls recorded, or built by a source's
``replay_exchanges(fixture_dir, corpus_dir)`` hook from its fixture folder (or, for the
demo, from the real material in ../shared/corpus).  ``ReplayDownloadHandler`` sends each
request to this server with the original host in a header, below every middleware, so
the spider, cookies, robots.txt and the WARC recorder all see the site's own URLs; the
server answers with the
saved response, or 404 with a message naming the request it has no answer for.

Form parameters that a site makes fresh for every request (e.g. a time-based token) are
left out of the match; each spider names them in ``replay_ignore_params``.
"""

import glob
import json
import logging
import os
import re
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from warcio.archiveiterator import ArchiveIterator

log = logging.getLogger(__name__)

REPLAY_HOST_HEADER = "X-Replay-Host"
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length",
              "proxy-connection", "upgrade", "te", "trailer"}


def exchange(method, url, form=None, body=b"", json_body=None, status=200,
             content_type="application/octet-stream", headers=None):
    if json_body is not None:
        body = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
        content_type = "application/json; charset=utf-8"
    return {"method": method, "url": url, "form": form, "status": status,
            "headers": list(headers or [("Content-Type", content_type)]), "body": body}


def _key(method, netloc, path, query, form, ignore):
    items = tuple(sorted((k, v) for k, v in (form or {}).items() if k not in ignore))
    return (method.upper(), netloc.lower(), path or "/", query, items)


def _form(body, content_type):
    """A request body as {name: value} for matching: form fields, or the members of a
    JSON object (values as canonical JSON), so that POSTs differing in their body differ."""
    if body and "x-www-form-urlencoded" in (content_type or ""):
        return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    if body and "json" in (content_type or ""):
        try:
            data = json.loads(body)
        except ValueError:
            return None
        return json_form(data) if isinstance(data, dict) else None
    return None


def json_form(data):
    """The matching form of a JSON object body (see ``_form``)."""
    return {k: json.dumps(v, sort_keys=True, ensure_ascii=False) for k, v in data.items()}


def exchanges_from_warc(path):
    """(exchanges, {source: spider arguments}) recorded in a WARC file."""
    responses, requests, arguments = {}, {}, {}
    with open(path, "rb") as f:
        for record in ArchiveIterator(f):
            kind = record.rec_type
            if kind == "warcinfo":
                fields = dict(line.split(": ", 1) for line in record.content_stream().read()
                              .decode("utf-8").splitlines() if ": " in line)
                if "penalty-archive-source" in fields:
                    arguments[fields["penalty-archive-source"]] = json.loads(
                        fields.get("penalty-archive-arguments") or "{}")
                continue
            if kind not in ("request", "response"):
                continue
            record_id = record.rec_headers.get_header("WARC-Record-ID")
            body = record.content_stream().read()
            if kind == "response":
                responses[record_id] = (record, body)
            else:
                concurrent = record.rec_headers.get_header("WARC-Concurrent-To")
                requests[concurrent] = (record, body)
    out = []
    for record_id, (record, body) in responses.items():
        url = record.rec_headers.get_header("WARC-Target-URI")
        status = int(record.http_headers.get_statuscode())
        headers = [(k, v) for k, v in record.http_headers.headers if k.lower() not in HOP_BY_HOP]
        method, form = "GET", None
        if record_id in requests:
            request, request_body = requests[record_id]
            method = request.http_headers.protocol  # "POST /path HTTP/1.1": first token
            form = _form(request_body, request.http_headers.get_header("Content-Type"))
        out.append({"method": method, "url": url, "form": form, "status": status,
                    "headers": headers, "body": body})
    return out, arguments


class Fault:
    """A fault the replay injects, for testing how crawls meet a hostile network.

    Written ``KIND[:VALUE][,OPTION=VALUE...]``; the options ``match`` (a regular
    expression searched in ``METHOD host/path?query form``) and ``times`` (only the first
    N matching requests) say where; robots.txt is never faulted.  Kinds:

    - ``status:CODE`` answers CODE; ``body=FILE`` serves that file (a block page),
      ``content_type=...``, ``retry_after=SECONDS`` adds Retry-After;
    - ``timeout`` answers nothing for ``seconds`` (default 30) and closes;
    - ``reset`` resets the connection after the status line; ``drop`` closes it halfway
      through the body;
    - ``truncate`` serves the first half of the body as if it were all of it;
    - ``corrupt`` overwrites the body's first 64 bytes;
    - ``gbk`` serves a UTF-8 text re-encoded as GB18030, still declared UTF-8;
    - ``redirect-loop`` redirects to the same page with a new query, endlessly.
    """

    KINDS = ("status", "timeout", "reset", "drop", "truncate", "corrupt", "gbk",
             "redirect-loop")

    def __init__(self, spec):
        head, *options = spec.split(",")
        self.kind, _, self.value = head.strip().partition(":")
        if self.kind not in self.KINDS:
            raise ValueError("unknown fault %r (known: %s)" % (self.kind, ", ".join(self.KINDS)))
        self.options = dict(option.split("=", 1) for option in options)
        self.match = re.compile(self.options.get("match", ""))
        self.left = int(self.options["times"]) if "times" in self.options else None
        self.lock = threading.Lock()
        self.body = None
        if "body" in self.options:
            with open(self.options["body"], "rb") as f:
                self.body = f.read()

    def applies(self, described):
        with self.lock:
            if self.left == 0 or not self.match.search(described):
                return False
            if self.left is not None:
                self.left -= 1
            return True


class ReplayServer:
    def __init__(self, exchanges, ignore_params=(), faults=()):
        self.faults = [f if isinstance(f, Fault) else Fault(f) for f in faults]
        self.ignore = set(ignore_params)
        self.table = {}
        for ex in exchanges:
            parts = urlsplit(ex["url"])
            key = _key(ex["method"], parts.netloc, parts.path, parts.query, ex["form"],
                       self.ignore)
            self.table[key] = ex  # the latest recording of an exchange wins
        self.misses = []
        self.faulted = []
        self.hits = 0
        self._server = None

    def lookup(self, method, netloc, path, query, form):
        return self.table.get(_key(method, netloc, path, query, form, self.ignore))

    def start(self, port=0):
        replay = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                netloc = self.headers.get(REPLAY_HOST_HEADER) or self.headers.get("Host", "")
                form = _form(body, self.headers.get("Content-Type"))
                ex = replay.lookup(self.command, netloc, parts.path, parts.query, form)
                described = "%s %s%s %s" % (self.command, netloc, self.path,
                                            urlencode(sorted((form or {}).items())))
                fault = next((f for f in replay.faults if parts.path != "/robots.txt"
                              and f.applies(described)), None)
                if fault is not None:
                    replay.faulted.append("%s %s" % (fault.kind, described))
                    self._fault(fault, ex, netloc)
                    return
                if ex is None:
                    if parts.path != "/robots.txt":
                        replay.misses.append("%s %s%s" % (self.command, netloc, self.path))
                        log.info("replay has no answer for %s %s%s %.200r", self.command,
                                 netloc, self.path, body)
                    payload = b"no saved response for this request"
                    self.send_response(404)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                replay.hits += 1
                self._send(ex["status"], ex["headers"], ex["body"])

            def _send(self, status, headers, body, length=None):
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body) if length is None else length))
                self.end_headers()
                self.wfile.write(body)

            def _fault(self, fault, ex, netloc):
                status, headers, body = ((ex["status"], ex["headers"], ex["body"]) if ex
                                         else (404, [("Content-Type", "text/plain")], b""))
                if fault.kind == "status":
                    headers = [("Content-Type", fault.options.get(
                        "content_type", "text/html; charset=utf-8"))]
                    if "retry_after" in fault.options:
                        headers.append(("Retry-After", fault.options["retry_after"]))
                    self._send(int(fault.value), headers, fault.body or b"")
                elif fault.kind == "timeout":
                    time.sleep(float(fault.options.get("seconds", 30)))
                    self.close_connection = True
                elif fault.kind == "reset":  # after the status line, so that no client
                    self.wfile.write(b"HTTP/1.1 200 OK\r\n")  # takes it for a stale connection
                    self.wfile.flush()
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                               struct.pack("ii", 1, 0))
                    self.close_connection = True
                elif fault.kind == "drop":
                    self._send(status, headers, body[:len(body) // 2], length=len(body))
                    self.close_connection = True
                elif fault.kind == "truncate":
                    self._send(status, headers, body[:len(body) // 2])
                elif fault.kind == "corrupt":
                    self._send(status, headers, b"\x00" * 64 + body[64:])
                elif fault.kind == "gbk":  # texts only; other bodies as they are
                    try:
                        body = body.decode("utf-8").encode("gb18030")
                    except UnicodeDecodeError:
                        pass
                    self._send(status, headers, body)
                elif fault.kind == "redirect-loop":
                    parts = urlsplit(self.path)
                    query = parse_qsl(parts.query, keep_blank_values=True)
                    hops = int(dict(query).get("hop", 0)) + 1
                    query = [(k, v) for k, v in query if k != "hop"] + [("hop", str(hops))]
                    self._send(302, [("Location", "https://%s%s?%s" % (
                        netloc, parts.path, urlencode(query)))], b"")

            do_GET = do_POST = do_HEAD = _answer

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return "127.0.0.1:%d" % self._server.server_address[1]

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()


class ReplayDownloadHandler:
    """Download handler for http and https while replaying: the wire goes to the replay
    server (settings REPLAY_SERVER), the response comes back under the request's URL."""

    lazy = False

    def __init__(self, crawler):
        self.server = crawler.settings.get("REPLAY_SERVER")
        self.inner = HTTP11DownloadHandler.from_crawler(crawler)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def download_request(self, request):
        parts = urlsplit(request.url)
        local = request.replace(url=urlunsplit(("http", self.server, parts.path or "/",
                                                parts.query, "")))
        local.headers[REPLAY_HOST_HEADER] = parts.netloc
        response = await self.inner.download_request(local)
        return response.replace(url=request.url, request=request)

    async def close(self):
        await self.inner.close()


def load_replay(path, spider_classes, corpus):
    """(exchanges, {source: spider kwargs}) for ``--replay PATH``; the sources named in
    the second are those the replay has material for.

    PATH is ``demo`` (every source's demo material), a WARC file, a folder of WARC files,
    a fixture folder named after a source, or a folder of such fixture folders.
    """
    exchanges, kwargs = [], {}
    if path == "demo" or (os.path.isdir(path) and not glob.glob(os.path.join(path, "*.warc*"))):
        for name, cls in spider_classes.items():
            hook = getattr(__import__(cls.__module__, fromlist=["_"]), "replay_exchanges", None)
            if hook is None:
                continue
            if path == "demo":
                fixture = None
            elif os.path.basename(os.path.normpath(path)) == name:
                fixture = path
            elif os.path.isdir(os.path.join(path, name)):
                fixture = os.path.join(path, name)
            else:
                continue
            found, args = hook(fixture, corpus)
            if found:  # a source without saved material is not part of this replay
                exchanges.extend(found)
                kwargs[name] = args
        return exchanges, kwargs
    files = [path] if os.path.isfile(path) else sorted(glob.glob(os.path.join(path, "*.warc*")))
    if not files:
        raise FileNotFoundError("nothing to replay at %s" % path)
    for filename in files:
        found, arguments = exchanges_from_warc(filename)
        exchanges.extend(found)
        kwargs.update(arguments)
    return exchanges, kwargs
