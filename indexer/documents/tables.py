"""Tables of penalty decisions (行政处罚信息公示表) in HTML, .xlsx, .xls, .docx, PDF, .doc, .wps, .et.

Several regulators publish their decisions as a table with one penalized party per row
(序号, 当事人名称, 行政处罚决定书文号, 主要违法违规行为, 行政处罚内容, 作出决定机关, 日期),
or, in older notices, as a two-column table of one decision (label | value).

``read_tables(data, ext)`` returns every table of a document as a list of rows of cell
strings; merged cells (HTML rowspan/colspan, spreadsheet merges, Word merges) are filled
with their value in every row and column they span.  ``table_records(tables)`` maps the
columns to raw-item fields by their labels (``data/table_columns.yaml``) and returns one
record per row: ``{"fields": {field: value}, "row": {label: value}}``.  A table whose
header is not recognised yields nothing; it is the caller's job to treat a document
without records as an error.
"""

from __future__ import annotations

import datetime as _dt
import functools
import io
import os
import re

import yaml

from indexer.documents import DocumentError, limits

__all__ = ["read_tables", "table_records", "row_text", "office_text", "party_name",
           "TABLE_FORMATS"]

TABLE_FORMATS = ("html", "htm", "xlsx", "xls", "docx", "pdf", "doc", "wps", "et")

with open(os.path.join(os.path.dirname(__file__), "data", "table_columns.yaml"),
          encoding="utf-8") as _f:
    _COLUMNS = yaml.safe_load(_f)["columns"]


def _label(text: str) -> str:
    text = re.sub(r"\s+", "", text or "")
    return text.translate(str.maketrans("（）：:", "()  ")).strip()


_LABELS = {_label(label): field for field, labels in _COLUMNS.items() for label in labels}


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, _dt.datetime):
        return value.date().isoformat() if not value.time() else value.isoformat(" ")
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).replace("\xa0", " ").replace("\u3000", " ")
    lines = [re.sub(r"[ \t]+", " ", ln).strip() for ln in text.splitlines()]
    return "\n".join(ln for ln in lines if ln)


# --------------------------------------------------------------------------- readers


def read_tables(data: bytes, ext: str) -> list[list[list[str]]]:
    """Every table in the document, as rows of cell strings."""
    kind = (ext or "").lower().lstrip(".")
    readers = {"html": _html_tables, "htm": _html_tables, "xlsx": _xlsx_tables,
               "xls": _xls_tables, "docx": _docx_tables, "pdf": _pdf_tables,
               **{old: functools.partial(_legacy_tables, kind=old) for old in ("doc", "wps", "et")}}
    if kind not in readers:
        raise DocumentError(f"no table reader for {ext!r}")
    try:
        with limits(data):
            tables = readers[kind](bytes(data))
    except DocumentError:
        raise
    except Exception as exc:  # each library raises its own errors on broken files
        raise DocumentError(f"cannot read {kind} tables: {type(exc).__name__}: {exc}") from exc
    return [t for t in (_trim(table) for table in tables) if t]


def _trim(table: list[list[str]]) -> list[list[str]]:
    rows = [list(r) for r in table if any((c or "").strip() for c in r)]
    if not rows:
        return []
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    keep = [i for i in range(width) if any(r[i].strip() for r in rows)]
    return [[r[i] for i in keep] for r in rows]


def _html_tables(data: bytes) -> list[list[list[str]]]:
    from lxml import html as lxml_html

    from indexer.documents import _decode

    head = data[:4096].decode("ascii", errors="ignore")
    m = re.search(r"""charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", head, re.I)
    declared = m.group(1) if m else None
    if declared and declared.lower() in ("gb2312", "gbk"):
        declared = "gb18030"
    root = lxml_html.fromstring(_decode(data, declared))
    out = []
    for table in root.iter("table"):
        if table.xpath("ancestor::table"):
            continue  # nested layout tables are read as part of their parent cell
        grid: dict[tuple[int, int], str] = {}
        rows = [tr for tr in table.iter("tr") if tr.xpath("ancestor::table[1]")[0] is table]
        for r, tr in enumerate(rows):
            c = 0
            for td in tr:
                if td.tag not in ("td", "th"):
                    continue
                while (r, c) in grid:
                    c += 1
                text = _cell("\n".join(t for t in td.itertext()))
                rowspan = _span(td.get("rowspan"))
                colspan = _span(td.get("colspan"))
                for dr in range(rowspan):
                    for dc in range(colspan):
                        grid.setdefault((r + dr, c + dc), text)
                c += colspan
        if not grid:
            continue
        height = max(r for r, _ in grid) + 1
        width = max(c for _, c in grid) + 1
        out.append([[grid.get((r, c), "") for c in range(width)] for r in range(height)])
    return out


def _span(value) -> int:
    try:
        return max(1, min(int(value), 500))
    except (TypeError, ValueError):
        return 1


def _xlsx_tables(data: bytes) -> list[list[list[str]]]:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    out = []
    for sheet in book.worksheets:
        rows = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        for merged in sheet.merged_cells.ranges:
            value = _cell(sheet.cell(merged.min_row, merged.min_col).value)
            for r in range(merged.min_row - 1, merged.max_row):
                for c in range(merged.min_col - 1, merged.max_col):
                    if r < len(rows) and c < len(rows[r]):
                        rows[r][c] = value
        out.append(rows)
    return out


def _xls_tables(data: bytes) -> list[list[list[str]]]:
    import xlrd

    book = xlrd.open_workbook(file_contents=data, formatting_info=True)
    out = []
    for sheet in book.sheets():
        rows = []
        for r in range(sheet.nrows):
            row = []
            for c in range(sheet.ncols):
                cell = sheet.cell(r, c)
                value = cell.value
                if cell.ctype == xlrd.XL_CELL_DATE:
                    value = xlrd.xldate.xldate_as_datetime(value, book.datemode)
                row.append(_cell(value))
            rows.append(row)
        for r0, r1, c0, c1 in sheet.merged_cells:
            value = rows[r0][c0]
            for r in range(r0, r1):
                for c in range(c0, c1):
                    rows[r][c] = value
        out.append(rows)
    return out


def _legacy_tables(data: bytes, kind: str) -> list[list[list[str]]]:
    """Tables of a .doc, .wps or .et document (see indexer.documents.legacy)."""
    from indexer.documents import OLE_MAGIC, legacy

    if kind == "et" and data[:8] == OLE_MAGIC:
        try:
            return _xls_tables(data)
        except Exception:  # not the Excel 97 format after all: LibreOffice reads it
            pass
    converted, kind = legacy.convert(data, kind)
    return _xlsx_tables(converted) if kind == "xlsx" else _docx_tables(converted)


def _docx_tables(data: bytes) -> list[list[list[str]]]:
    import docx

    document = docx.Document(io.BytesIO(data))
    return [[[_cell(cell.text) for cell in row.cells] for row in table.rows]
            for table in document.tables]


def _pdf_tables(data: bytes) -> list[list[list[str]]]:
    import pdfplumber

    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise DocumentError("not a PDF document (missing %PDF header)")
    out = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            for table in page.extract_tables():
                out.append([[_cell(c) for c in row] for row in table])
    return out


def office_text(data: bytes, ext: str) -> str:
    """The text of a .docx (paragraphs and tables in order) or a spreadsheet (one line per
    row, cells separated by tabs)."""
    kind = (ext or "").lower().lstrip(".")
    if kind == "docx":
        try:
            import docx
            from docx.table import Table
            from docx.text.paragraph import Paragraph

            document = docx.Document(io.BytesIO(bytes(data)))
        except Exception as exc:
            raise DocumentError(f"cannot read docx: {type(exc).__name__}: {exc}") from exc
        lines = []
        for child in document.element.body.iterchildren():
            tag = child.tag.rsplit("}", 1)[-1]
            if tag == "p":
                lines.append(Paragraph(child, document).text)
            elif tag == "tbl":
                for row in Table(child, document).rows:
                    lines.append("\t".join(_cell(c.text).replace("\n", " ") for c in row.cells))
        return "\n".join(lines)
    tables = read_tables(data, kind)
    return "\n".join("\t".join(c.replace("\n", " ") for c in row)
                     for table in tables for row in table)


# --------------------------------------------------------------------------- records


def _header(row: list[str]) -> dict[int, str] | None:
    """{column index: field} when the row is a header row (two or more known labels)."""
    fields = {}
    for i, cell in enumerate(row):
        field = _LABELS.get(_label(cell))
        if field and field not in fields.values():
            fields[i] = field
    known = [f for f in fields.values() if f not in ("number", "note")]
    return fields if len(known) >= 2 and "party_name" in fields.values() else None


def table_records(tables: list[list[list[str]]]) -> list[dict]:
    """One record per penalized party: {"fields": {...}, "row": {label: value}}.

    Row tables (a header row, then one party per row) continue across tables with the
    same number of columns and no header of their own (a table split by a page break);
    a two-column table of labels and values is one record.
    """
    records: list[dict] = []
    header = labels = None
    for table in tables:
        start = 0
        for i, row in enumerate(table[:6]):
            found = _header(row)
            if found:
                header, labels, start = found, row, i + 1
                break
        else:
            if header is None or len(table[0]) != len(labels):
                vertical = _vertical_record(table)
                if vertical:
                    records.append(vertical)
                header = labels = None
                continue
        for row in table[start:]:
            if _header(row):
                continue  # a header repeated on every page
            record = {"fields": {}, "row": {}}
            for i, cell in enumerate(row):
                if i < len(labels) and labels[i].strip():
                    record["row"][re.sub(r"\s+", "", labels[i])] = cell
                field = header.get(i)
                if field and cell.strip():
                    record["fields"][field] = cell.strip()
            if not record["fields"].get("party_name"):
                if records and any(v.strip() for v in row):
                    _continue_record(records[-1], record)  # a row broken by a page end
                continue
            records.append(record)
    return records


def _continue_record(previous: dict, part: dict) -> None:
    for key, value in part["row"].items():
        if value.strip() and previous["row"].get(key) != value:
            previous["row"][key] = (previous["row"].get(key, "") + value).strip()
    for key, value in part["fields"].items():
        if key != "number" and previous["fields"].get(key) != value:
            previous["fields"][key] = (previous["fields"].get(key, "") + value).strip()


def _vertical_record(table: list[list[str]]) -> dict | None:
    record = {"fields": {}, "row": {}}
    for row in table:
        cells = [c for c in row if c.strip()]
        if len(cells) < 2:
            continue
        label_cells = [(i, _LABELS.get(_label(c))) for i, c in enumerate(cells[:-1])]
        field = next((f for _, f in reversed(label_cells) if f), None)
        if not field:
            continue
        value = cells[-1].strip()
        if value in ("/", "无", "-", "—", "／"):
            continue
        label = "/".join(dict.fromkeys(re.sub(r"\s+", "", c) for c in cells[:-1]))
        record["row"][label] = value
        if field == "party_name" and record["fields"].get("party_name"):
            continue  # 个人姓名 and 单位名称 rows: the first filled one names the party
        record["fields"].setdefault(field, value)
    fields = record["fields"]
    return record if fields.get("party_name") and len(fields) >= 3 else None


def row_text(row: dict) -> str:
    """A record's row as ``label：value`` lines (the text the archive keeps and shows)."""
    return "\n".join("%s：%s" % (label, value.replace("\n", " ")) for label, value in row.items()
                     if label and value.strip())


def party_name(name: str | None) -> str | None:
    """"张某某（时任某银行某分行行长）" names the person; the post stays in the row text."""
    m = re.match(r"^([\u4e00-\u9fff·*＊]{2,5})\s*[（(](?:时任|原任|现任|系)[^）)]*[）)]$",
                 name or "")
    return m.group(1) if m else name


def record_item_fields(record: dict) -> dict:
    """The raw-item fields one table record gives, alike for every table source."""
    fields = record["fields"]
    return {"party_name": party_name(fields.get("party_name")),
            "authority_name": fields.get("authority_name"),
            "decision_date": fields.get("decision_date"),
            "penalty_text": fields.get("penalty_text"),
            "legal_basis_text": fields.get("legal_basis_text"),
            "text": row_text(record["row"])}
