"""OCR of images and image-only PDF pages with Tesseract.

Regulators publish some decisions as scans and many app lists as pictures of a table.
``ocr_image(data)`` runs the ``tesseract`` program (Debian ``tesseract-ocr`` and
``tesseract-ocr-chi-sim``) on image bytes and returns its text, with the gaps between
table cells kept as runs of spaces (``preserve_interword_spaces``) so that callers can
split rows into cells.  ``render_pdf_page(data, index)`` renders one PDF page with
pypdfium2 for OCR.  Both raise :class:`indexer.documents.DocumentError` when the image
cannot be read or Tesseract is not installed; ``available()`` says whether it is.

Languages: ``chi_sim`` by default (it reads Latin letters and digits as well, and more
reliably than ``chi_sim+eng``, which turns short Chinese words into Latin guesses);
the environment variable ``PENALTY_ARCHIVE_OCR_LANG`` overrides it.
"""

from __future__ import annotations

import functools
import io
import os
import re
import shutil
import subprocess

__all__ = ["available", "ocr_image", "ocr_lines", "render_pdf_page", "OCR_DPI"]

OCR_DPI = 300
TIMEOUT = 120
_IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM", b"II*\x00", b"MM\x00*", b"RIFF")


def _error(message):
    from indexer.documents import DocumentError

    return DocumentError(message)


def language() -> str:
    return os.environ.get("PENALTY_ARCHIVE_OCR_LANG", "chi_sim")


@functools.lru_cache(maxsize=None)
def _installed_languages(program: str) -> frozenset:
    try:
        out = subprocess.run([program, "--list-langs"], capture_output=True, text=True,
                             timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    return frozenset(line.strip() for line in out.splitlines()[1:] if line.strip())


def available(lang: str | None = None) -> bool:
    """Is Tesseract installed with the languages OCR needs?"""
    program = shutil.which("tesseract")
    if not program:
        return False
    wanted = set((lang or language()).split("+"))
    return wanted <= _installed_languages(program)


def ocr_image(data: bytes, psm: int = 6) -> str:
    """The text Tesseract reads in an image (PNG, JPEG, GIF, BMP, TIFF, WebP bytes).

    ``psm`` is Tesseract's page segmentation mode: 6 (one uniform block of text) keeps
    table rows on one line each; 3 (automatic) suits pages with columns.
    """
    text = _tesseract(data, psm).decode("utf-8", "replace").replace("\f", "\n")
    return "\n".join(repair(line) for line in text.split("\n"))


def ocr_lines(data: bytes, psm: int = 3) -> list[dict]:
    """The lines Tesseract reads in an image, each with its box: ``{"text", "x0", "x1",
    "top", "size"}`` in pixels (size = line height), top to bottom.  Words are joined
    without a space unless both sides are Latin letters or digits."""
    rows = _tesseract(data, psm, "tsv").decode("utf-8", "replace").splitlines()
    lines: dict[tuple, dict] = {}
    for row in rows[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or not cols[0].isdigit():
            continue
        level = int(cols[0])
        key = tuple(int(c) for c in cols[1:5])
        left, top, width, height = (int(c) for c in cols[6:10])
        if level == 4:
            lines[key] = {"text": "", "x0": left, "x1": left + width, "top": top,
                          "size": max(height, 1)}
        elif level == 5 and key in lines and cols[11].strip():
            word = cols[11].strip()
            line = lines[key]
            if line["text"] and line["text"][-1].isascii() and line["text"][-1].isalnum() \
                    and word[0].isascii() and word[0].isalnum():
                line["text"] += " "
            line["text"] += word
    out = sorted((ln for ln in lines.values() if ln["text"]), key=lambda ln: ln["top"])
    for line in out:
        line["text"] = repair(line["text"])
    return out


# Tesseract reads the year brackets of document numbers (〔2025〕) as 【, [ or ( and the
# closing one often as j, l or |; OCR cannot tell 〔 from 【 reliably, so a bracketed
# year followed by a number is written with the brackets of the national standard.
_YEAR_BRACKETS = re.compile(r"[〔【\[［(（]\s*((?:19|20)\d\d)\s*[〕】\]］)）jJl|]{1,2}\s*(?=(?:第\s*)?\d)")


def repair(text: str) -> str:
    """Undo Tesseract's usual misreadings in Chinese official documents."""
    return _YEAR_BRACKETS.sub(r"〔\1〕", text)


def _tesseract(data: bytes, psm: int, *configs: str) -> bytes:
    if not data or not data.startswith(_IMAGE_MAGIC):
        raise _error("not an image (unknown file signature)")
    lang = language()
    if not available(lang):
        raise _error("OCR needs the tesseract program with the %s language data "
                     "(Debian: tesseract-ocr tesseract-ocr-chi-sim)" % lang)
    # One thread: Tesseract's OpenMP threads slow small images down on few cores.
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    try:
        result = subprocess.run(
            ["tesseract", "stdin", "stdout", "-l", lang, "--psm", str(psm),
             "-c", "preserve_interword_spaces=1", *configs],
            input=_normalized_image(data), capture_output=True, timeout=TIMEOUT, env=env)
    except subprocess.TimeoutExpired as exc:
        raise _error("OCR took longer than %ds" % TIMEOUT) from exc
    if result.returncode != 0:
        raise _error("tesseract failed: %s" % result.stderr.decode("utf-8", "replace")[-300:])
    return result.stdout


def _normalized_image(data: bytes) -> bytes:
    """Greyscale PNG, upscaled when small: Tesseract reads CJK best at 20+ px per glyph."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            if img.mode in ("RGBA", "LA", "P"):
                img = img.convert("RGBA")
                background = Image.new("RGBA", img.size, (255, 255, 255, 255))
                img = Image.alpha_composite(background, img)
            img = img.convert("L")
            if img.width < 1000:
                factor = 2
                img = img.resize((img.width * factor, img.height * factor), Image.LANCZOS)
            out = io.BytesIO()
            img.save(out, "PNG")
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise _error("cannot read image: %s" % exc) from exc


def render_pdf_page(data: bytes, index: int, dpi: int = OCR_DPI) -> bytes:
    """PNG bytes of one page of a PDF, rendered at ``dpi`` (pypdfium2)."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
        try:
            bitmap = pdf[index].render(scale=dpi / 72.0, grayscale=True)
            image = bitmap.to_pil()
        finally:
            pdf.close()
    except pdfium.PdfiumError as exc:
        raise _error("cannot render PDF page %d: %s" % (index + 1, exc)) from exc
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
