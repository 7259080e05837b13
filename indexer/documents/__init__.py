"""Text extraction from decision documents (PDF, HTML, plain text, images).

``extract_text(data, ext)`` returns the document's text with one paragraph (or header
field) per line. For PDFs it works from the character positions (pdfplumber) and repairs
what regulator PDFs typically show:

* stray space glyphs drawn on top of other glyphs (OpenOffice exports), which otherwise
  split numbers and document numbers ("202 6", "〔 2026 〕 9 号");
* letter-spaced titles ("行 政 处 罚 决 定 书") and justified lines;
* lines wrapped inside a paragraph, even inside words and numbers ("90\\n4.4元"):
  a line that reaches the right margin continues on the next line unless that line
  is indented or starts a numbered item;
* title lines whose font has a broken ToUnicode map, so that every glyph extracts as
  the same character ("书书书书书书书"): such lines cannot be recovered and are dropped;
* page numbers and page footers ("— 1 —", "第 1 页 共 7 页").

A PDF page without a text layer (a scan) is rendered and read by Tesseract, and so are
images (png, jpg, ...): see :mod:`indexer.documents.ocr`.

Word (.docx) and spreadsheet (.xlsx, .xls) documents are read with python-docx, openpyxl
and xlrd, one line per paragraph or table row: see :mod:`indexer.documents.tables`; old
Word and WPS documents (.doc, .wps, .et) are converted by LibreOffice first: see
:mod:`indexer.documents.legacy`.
"""

from __future__ import annotations

import io
import os
import re
import signal
import threading
import zipfile
from collections import Counter
from contextlib import contextmanager
from html.parser import HTMLParser

__all__ = ["DocumentError", "extract_text"]


class DocumentError(Exception):
    """A document that cannot be read (broken, encrypted, unsupported format)."""


_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_PUNCT = "\u3000-\u303f\uff00-\uffef\u2014-\u2027"
_WIDE = f"[{_CJK}{_CJK_PUNCT}]"
_WIDE_CHAR = re.compile(_WIDE)

_PAGE_FOOTER = re.compile(
    r"^(?:[—–\-－]\s*\d{1,3}\s*[—–\-－]|第\s*\d{1,3}\s*页(?:\s*[，,/]?\s*共\s*\d{1,3}\s*页)?"
    r"|\d{1,3}\s*/\s*\d{1,3}|-\s*\d{1,3}\s*-)$"
)
_GARBLED = re.compile(rf"^([{_CJK}])\1{{2,}}$")
_ITEM_START = re.compile(
    r"^(?:\d{1,2}\s*[、.．](?!\d)|[（(]\s*[一二三四五六七八九十\d]{1,3}\s*[）)]"
    r"|[一二三四五六七八九十]{1,3}、|第[一二三四五六七八九十]{1,3}[组项条、]|证据[一二三四五六七八九十\d]{1,3})"
)
_FIELD_LABEL = re.compile(
    r"^(?:当事人|主体资格|统一社会信用代码|社会信用代码|注册号|住所|住址|经营场所|地址|法定代表人|负责人|"
    r"经营者|身份证|有效身份证|联系电话|联系地址|联系方式|执法人员|类型|经营范围|授权委托|委托代理|姓名|"
    r"性别|民族|出生|职务|工作单位)[^：:，。]{0,16}[：:]"
)


OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of Office 97 files
IMAGE_TYPES = ("png", "jpg", "jpeg", "gif", "bmp", "tif", "tiff", "webp")


# Limits a document is read under (a document over them is skipped, the reason logged and
# its source kept): its size, what a zip container (.docx, .xlsx) unpacks to, the nesting
# of its HTML, and the seconds its reading takes (env PENALTY_ARCHIVE_DOCUMENT_SECONDS).
MAX_BYTES = 64 << 20
MAX_UNZIPPED = 64 << 20
MAX_HTML_DEPTH = 2000
SECONDS = float(os.environ.get("PENALTY_ARCHIVE_DOCUMENT_SECONDS", "120"))


def extract_text(data: bytes, ext: str) -> str:
    """Return the text of a document given its bytes and file extension, read under the
    limits above; raises DocumentError saying why a document cannot be read."""
    if not isinstance(data, (bytes, bytearray)):
        raise DocumentError("document data must be bytes")
    with limits(data):
        return _extract(data, (ext or "").lower().lstrip("."), ext)


@contextmanager
def limits(data: bytes):
    """Read a document within: its size, what a zip container unpacks to, the time."""
    if len(data) > MAX_BYTES:
        raise DocumentError("document of %d bytes, over the limit of %d" % (len(data),
                                                                            MAX_BYTES))
    if data[:4] == b"PK\x03\x04":
        _check_unzipped(data)
    with _time_limit(SECONDS):
        yield


def _check_unzipped(data: bytes) -> None:
    try:
        entries = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, OSError):
        return  # not a zip after all: the reader of its type says what it is
    unzipped = sum(entry.file_size for entry in entries)
    # Office XML packs 5 to 20 times; a bomb packs hundreds of times
    if unzipped > MAX_UNZIPPED or (unzipped > 8 << 20 and unzipped > 100 * len(data)):
        raise DocumentError("a zip container of %d bytes that unpacks to %d: over the "
                            "limits (a zip bomb?)" % (len(data), unzipped))


@contextmanager
def _time_limit(seconds: float):
    """Raise DocumentError when the block runs longer than ``seconds`` (a POSIX interval
    timer; only in the main thread, where signals are delivered)."""
    if not seconds or not hasattr(signal, "setitimer") \
            or threading.current_thread() is not threading.main_thread():
        yield
        return

    message = "reading took longer than %g s" % seconds
    fired = []

    def expired(signum, frame):
        fired.append(True)
        raise DocumentError(message)

    previous = signal.signal(signal.SIGALRM, expired)
    # the timer fires again until the reading ends: a reader that swallows the exception
    # (pdfminer catches broad exceptions in places) is interrupted at its next step
    signal.setitimer(signal.ITIMER_REAL, seconds, min(seconds, 0.1))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    if fired:  # every exception it raised was swallowed
        raise DocumentError(message)


def _extract(data: bytes, kind: str, ext: str) -> str:
    if kind == "pdf":
        return _pdf_text(bytes(data))
    if kind in ("html", "htm", "xhtml"):
        return _html_text(bytes(data))
    if kind == "txt":
        return normalize_text(_decode(bytes(data)))
    if kind in ("doc", "wps", "et"):
        from indexer.documents import legacy

        if kind == "et" and data[:8] == OLE_MAGIC:  # an Excel 97 workbook: xlrd reads it
            try:
                return _extract(data, "xls", ext)
            except DocumentError:
                pass
        converted, kind = legacy.convert(bytes(data), kind)
        return _extract(converted, kind, ext)
    if kind in ("xlsx", "xls", "docx"):  # tables: indexer.documents.tables
        from indexer.documents.tables import office_text

        out = normalize_text(office_text(bytes(data), kind))
        if not out.strip():
            raise DocumentError(f"{kind} document has no text")
        return out
    if kind in IMAGE_TYPES:
        from indexer.documents import ocr

        return normalize_text(ocr.ocr_image(bytes(data)))
    raise DocumentError(f"unsupported document type: {ext!r}")


# --------------------------------------------------------------------------- text


def _decode(data: bytes, declared: str | None = None) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16", errors="replace")
    candidates = [declared] if declared else []
    candidates += ["utf-8", "gb18030"]
    for enc in candidates:
        try:
            return data.decode(enc)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("utf-8", errors="replace")


def _collapse_spaces(line: str) -> str:
    """Remove layout spaces next to CJK characters; keep wide gaps as one space.

    A tab marks a wide gap (a field separator in header lines); single spaces next to
    CJK text are layout artefacts. Letter-spaced lines ("行 政 处 罚 决 定 书") are
    joined up.
    """
    line = line.replace("\u3000", " ").replace("\xa0", " ").strip()
    tokens = line.split()
    if len(tokens) >= 3 and all(len(t) == 1 for t in tokens):
        return "".join(tokens)
    fields = [re.sub(r" +", " ", f).strip() for f in re.split(r"\t+| {3,}", line)]
    out = []
    for field in fields:
        field = re.sub(rf"(?<={_WIDE}) (?={_WIDE})", "", field)
        field = re.sub(rf"(?<={_WIDE}) (?=[0-9A-Za-z*＊])", "", field)
        field = re.sub(rf"(?<=[0-9A-Za-z*＊%.]) (?={_WIDE})", "", field)
        if field:
            out.append(field)
    return " ".join(out)


def normalize_text(text: str) -> str:
    """Normalize line endings and spaces of already extracted text."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    lines = [_collapse_spaces(line) for line in text.split("\n")]
    lines = [line for line in lines if line and not _GARBLED.match(line)]
    return "\n".join(lines)


# --------------------------------------------------------------------------- PDF


def _pdf_text(data: bytes) -> str:
    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise DocumentError("not a PDF document (missing %PDF header)")
    try:
        import pdfplumber
        from pdfminer.pdfparser import PDFSyntaxError
    except ImportError as exc:  # pragma: no cover - dependency is declared
        raise DocumentError("pdfplumber is not installed") from exc
    lines: list[dict] = []
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for page in pdf.pages:
                # a page without a text layer (a scan) is rendered and OCR'd
                lines.extend(_page_lines(page) if page.chars else _ocr_page_lines(data, page))
    except DocumentError:
        raise
    except PDFSyntaxError as exc:
        raise DocumentError(f"broken PDF: {exc}") from exc
    except Exception as exc:  # pdfminer raises a variety of errors on bad input
        raise DocumentError(f"cannot read PDF: {type(exc).__name__}: {exc}") from exc
    text = _join_lines(lines)
    if not text.strip():
        from indexer.documents import ocr

        raise DocumentError("PDF has no text layer%s" % (
            "" if ocr.available() else " and OCR is not available (install tesseract-ocr "
            "and tesseract-ocr-chi-sim)"))
    return text


def _ocr_page_lines(data: bytes, page) -> list[dict]:
    """Lines of an image-only page, read by Tesseract, with their boxes (pixels)."""
    from indexer.documents import ocr

    if not ocr.available():
        return []  # the document is read without this page; see the error below
    out = []
    for line in ocr.ocr_lines(ocr.render_pdf_page(data, page.page_number - 1)):
        text = _collapse_spaces(line["text"])
        if text and not _PAGE_FOOTER.match(text) and not _GARBLED.match(text):
            out.append({"text": text, "x0": line["x0"], "x1": line["x1"], "size": line["size"]})
    _mark_margins(out)
    return out


def _page_lines(page) -> list[dict]:
    """Lines of one page: text plus geometry, footers and garbled lines removed."""
    # space glyphs are layout artefacts (often drawn over other glyphs); gaps decide spacing
    page = page.filter(lambda obj: obj.get("object_type") != "char" or not obj["text"].isspace())
    raw = page.extract_text_lines(layout=False, strip=True, return_chars=True)
    out = []
    for line in raw:
        chars = sorted(line["chars"], key=lambda c: c["x0"])
        if not chars:
            continue
        text = _line_text(chars)
        text = _collapse_spaces(text)
        if not text or _PAGE_FOOTER.match(text) or _GARBLED.match(text):
            continue
        size = Counter(round(c["size"]) for c in chars).most_common(1)[0][0] or 10
        out.append({"text": text, "x0": chars[0]["x0"], "x1": chars[-1]["x1"], "size": size})
    _mark_margins(out)
    return out


def _line_text(chars: list[dict]) -> str:
    parts = [chars[0]["text"]]
    for prev, cur in zip(chars, chars[1:]):
        gap = cur["x0"] - prev["x1"]
        size = max(prev["size"], cur["size"], 1)
        if gap > 0.9 * size:
            parts.append("\t")
        elif gap > 0.2 * size and not _WIDE_CHAR.match(prev["text"]) \
                and not _WIDE_CHAR.match(cur["text"]):
            parts.append(" ")  # a word gap, also beside accented letters (presentó reclamación)
        parts.append(cur["text"])
    return "".join(parts)


def _mark_margins(lines: list[dict]) -> None:
    if not lines:
        return
    lefts = Counter(round(ln["x0"]) for ln in lines if len(ln["text"]) >= 8)
    left = min(lefts.most_common(1)[0][0], min(ln["x0"] for ln in lines)) if lefts else 0
    left = lefts.most_common(1)[0][0] if lefts else left
    rights = sorted(ln["x1"] for ln in lines if len(ln["text"]) >= 8) or [ln["x1"] for ln in lines]
    right = rights[int(len(rights) * 0.9)] if len(rights) > 2 else max(rights)
    for ln in lines:
        ln["left"] = left
        ln["right"] = right


def _continues(cur: dict, nxt: dict) -> bool:
    """Does ``cur`` wrap onto ``nxt`` (same paragraph)?"""
    size = cur["size"]
    if cur["x1"] < cur["right"] - 2.8 * size:
        return False  # ends short of the right margin: paragraph or field end
    if cur["x0"] > cur["left"] + 3.5 * size:
        return False  # centred or right-aligned line (title, signature)
    if nxt["x0"] > nxt["left"] + 0.8 * nxt["size"]:
        return False  # next line indented: new paragraph
    if _ITEM_START.match(nxt["text"]) or _FIELD_LABEL.match(nxt["text"]):
        return False
    return True


def _latin_script(lines: list[dict]) -> bool:
    """A document in a Latin script: CJK characters are under a tenth of its letters."""
    text = "".join(ln["text"] for ln in lines)
    letters = sum(c.isalpha() for c in text)
    return bool(letters) and len(re.findall(f"[{_CJK}]", text)) * 10 < letters


def _break_is_space(prev: str, nxt: str, latin: bool) -> bool:
    """Does a line break between these characters stand for a space?  Never next to CJK
    text; between letters always; in a Latin-script document between any word
    characters (``multa de`` / ``70.000 euros``) except after a hyphen."""
    if prev.isspace() or nxt.isspace() or _WIDE_CHAR.match(prev) or _WIDE_CHAR.match(nxt):
        return False
    if prev.isalpha() and nxt.isalpha():
        return True
    return latin and prev != "-"


def _join_lines(lines: list[dict]) -> str:
    paragraphs: list[str] = []
    buf = ""
    latin = _latin_script(lines)
    for i, line in enumerate(lines):
        if buf and _break_is_space(buf[-1], line["text"][0], latin):
            buf += " "
        buf += line["text"]
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        if nxt is None or not _continues(line, nxt):
            paragraphs.append(buf)
            buf = ""
    return "\n".join(_collapse_spaces(p) for p in paragraphs if p.strip())


# --------------------------------------------------------------------------- HTML


_SOURCE_BREAK = re.compile(r"(?<=[A-Za-z])\0+|\0+(?=[A-Za-z])")


class _HTMLText(HTMLParser):
    _SKIP = {"script", "style", "noscript", "template", "head", "title"}
    _BLOCK = {
        "p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table",
        "section", "article", "header", "footer", "blockquote", "pre", "ul", "ol", "dd", "dt",
    }

    # Not counted in the nesting depth: elements without content, and those whose end tag
    # HTML lets a page leave out (thousands of unclosed <p> are no deep nesting).
    _UNCOUNTED = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                  "source", "track", "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "thead",
                  "tbody", "tfoot", "option", "optgroup", "colgroup", "caption", "rb", "rt",
                  "rp", "html", "head", "body"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.parts: list[str] = []
        self.skip = 0
        self.in_body = False
        self.body_parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in self._UNCOUNTED:
            self.depth += 1
            if self.depth > MAX_HTML_DEPTH:
                raise DocumentError("HTML nested deeper than %d elements" % MAX_HTML_DEPTH)
        if tag in self._SKIP:
            self.skip += 1
        elif tag == "body":
            self.in_body = True
        elif tag in self._BLOCK:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_startendtag(self, tag, attrs):
        if tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag not in self._UNCOUNTED:
            self.depth = max(0, self.depth - 1)
        if tag in self._SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if self.skip:
            return
        # A line break between two tags is the HTML source's layout: pages that put each
        # fragment of a line in an element of its own (a number split over several
        # <span>s) must not read with spaces inside words and numbers.  It is marked here
        # and becomes a space only beside a Latin letter (_SOURCE_BREAK).
        self.parts.append("\0" if data.isspace() and "\n" in data
                          else re.sub(r"[ \t\r\n]+", " ", data))


def _html_text(data: bytes) -> str:
    head = data[:4096].decode("ascii", errors="ignore")
    m = re.search(r"""charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", head, re.I)
    declared = m.group(1) if m else None
    if declared and declared.lower() in ("gb2312", "gbk"):
        declared = "gb18030"
    text = _decode(data, declared)
    if "<" not in text:
        raise DocumentError("not an HTML document")
    parser = _HTMLText()
    try:
        parser.feed(text)
        parser.close()
    except DocumentError:
        raise
    except Exception as exc:  # pragma: no cover - html.parser is lenient
        raise DocumentError(f"cannot parse HTML: {exc}") from exc
    out = normalize_text(_SOURCE_BREAK.sub(" ", "".join(parser.parts)).replace("\0", ""))
    if not out.strip():
        raise DocumentError("HTML document has no text")
    return out
