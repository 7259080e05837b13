"""Old binary office documents: Word 97-2003 (.doc), WPS Writer (.wps), WPS Spreadsheets (.et).

People's Bank branches and local bureaus attach their penalty tables and decisions in
these formats. WPS Office writes its .wps and .et files in the Word 97 and Excel 97
binary formats (an OLE container holding a ``WordDocument`` or ``Workbook`` stream).

LibreOffice (headless, ``soffice --convert-to``) converts a document to .docx or .xlsx,
which are then read like any other (``indexer.documents.tables``); it also reads what a
site names .doc but serves as RTF, HTML or .docx. Each conversion runs in a temporary
folder with its own LibreOffice profile, so that conversions never share state, in its
own process group, killed with everything it started when the document's time limit
runs out. An .et workbook in the Excel 97 format is read by xlrd without a conversion.

LibreOffice imports anything it does not recognise as plain text, so a document is
converted only when it is what its name says (an OLE container holding the format's
stream, checked with olefile) or a format LibreOffice sniffs (.docx/.xlsx, RTF, HTML):
a broken or foreign file is an error, never pages of noise in the archive.

The lighter Debian readers were tried on the same files and set aside: antiword refuses
short documents ("the text stream of this file is too small") and runs a table's rows
together, and catdoc garbles tables.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import tempfile

import olefile

from indexer.documents import OLE_MAGIC, SECONDS, DocumentError

CONVERSIONS = {"doc": "docx", "wps": "docx", "et": "xlsx"}
STREAMS = {"doc": ("WordDocument",), "wps": ("WordDocument",), "et": ("Workbook", "Book")}


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(data: bytes, kind: str, seconds: float = SECONDS) -> tuple[bytes, str]:
    """(the converted document, its kind) for a .doc, .wps or .et document."""
    target = CONVERSIONS[kind]
    if not recognised(data, kind):
        raise DocumentError(f"not a .{kind} document (nor .docx, .xlsx, RTF or HTML)")
    program = soffice()
    if program is None:
        raise DocumentError(f"cannot read .{kind}: LibreOffice (soffice) is not installed")
    with tempfile.TemporaryDirectory(prefix="penalty-office-") as work:
        source = os.path.join(work, "document." + kind)
        with open(source, "wb") as f:
            f.write(data)
        command = [program, "--headless", "--norestore", "--nologo",
                   "-env:UserInstallation=file://" + os.path.join(work, "profile"),
                   "--convert-to", target, "--outdir", os.path.join(work, "out"), source]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, start_new_session=True)
        try:
            _, errors = process.communicate(timeout=seconds or None)
        except subprocess.TimeoutExpired:
            raise DocumentError(f"converting .{kind} took longer than {seconds:g} s") from None
        finally:  # also when the document's time limit interrupts the wait
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait()
        converted = os.path.join(work, "out", "document." + target)
        if not os.path.exists(converted):
            reason = errors.decode("utf-8", "replace").strip().splitlines()
            raise DocumentError(f"LibreOffice could not read this .{kind} document"
                                + (f": {reason[-1]}" if reason else ""))
        with open(converted, "rb") as f:
            return f.read(), target


def recognised(data: bytes, kind: str) -> bool:
    if data[:8] == OLE_MAGIC:
        try:
            with olefile.OleFileIO(io.BytesIO(data)) as ole:
                return any(ole.exists(stream) for stream in STREAMS[kind])
        except OSError:  # olefile's error for a broken container
            return False
    head = data[:512].lstrip().lower()
    return data[:4] == b"PK\x03\x04" or head.startswith((b"{\\rtf", b"<"))
