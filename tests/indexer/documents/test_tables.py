"""Penalty tables in HTML, .xlsx, .xls, .docx and PDF: real files made here with the
libraries that write those formats, read back by indexer.documents.tables."""

import io

import pytest

from crawler.spiders.cn_pbc import build_attachment
from indexer.documents import DocumentError, extract_text
from indexer.documents.tables import party_name, read_tables, row_text, table_records

HEADER = ["序号", "当事人名称", "行政处罚决定书文号", "违法行为类型", "行政处罚内容",
          "作出行政处罚决定机关名称", "作出行政处罚决定日期", "备注"]
ROWS = [["1", "某某支付有限公司", "银罚决字〔2030〕1号", "违反反洗钱管理规定",
         "警告，罚款120万元", "中国人民银行", "2030年1月2日", ""],
        ["2", "钱某某（时任某某支付有限公司总经理）", "银罚决字〔2030〕2号",
         "对违反反洗钱管理规定负有责任", "罚款8万元", "中国人民银行", "2030年1月2日", ""]]


def _check(records):
    names = [r["fields"]["party_name"] for r in records]
    assert names == ["某某支付有限公司", "钱某某（时任某某支付有限公司总经理）"]
    first = records[0]["fields"]
    assert first["decision_number"] == "银罚决字〔2030〕1号"
    assert first["penalty_text"] == "警告，罚款120万元"
    assert first["authority_name"] == "中国人民银行"
    assert first["decision_date"] == "2030年1月2日"
    assert records[1]["row"]["行政处罚内容"] == "罚款8万元"


@pytest.mark.parametrize("ext", ["xlsx", "docx"])
def test_office_tables(ext):
    data = build_attachment(ext, HEADER, ROWS)
    _check(table_records(read_tables(data, ext)))
    text = extract_text(data, ext)
    assert "某某支付有限公司" in text and "罚款8万元" in text


def test_xls_with_merged_cells():
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("公示")
    sheet.write_merge(0, 0, 0, len(HEADER) - 1, "行政处罚信息公示表")
    for c, label in enumerate(HEADER):
        sheet.write(1, c, label)
    for r, row in enumerate(ROWS, 2):
        for c, value in enumerate(row):
            if c != 5:
                sheet.write(r, c, value)
    sheet.write_merge(2, 3, 5, 5, "中国人民银行")  # one authority cell for both rows
    buf = io.BytesIO()
    book.save(buf)
    records = table_records(read_tables(buf.getvalue(), "xls"))
    _check(records)
    assert records[1]["fields"]["authority_name"] == "中国人民银行"
    assert "银罚决字〔2030〕2号" in extract_text(buf.getvalue(), "xls")


def test_pdf_table_across_pages():
    pytest.importorskip("reportlab")
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    more = [[str(i), "某某银行股份有限公司第%d支行" % i, "银罚决字〔2030〕%d号" % i,
             "违反账户管理规定", "罚款%d万元" % i, "中国人民银行", "2030年1月2日", ""]
            for i in range(3, 40)]
    rows = [HEADER] + ROWS + more
    table = Table(rows, repeatRows=1)
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), "STSong-Light"),
                               ("FONTSIZE", (0, 0), (-1, -1), 7),
                               ("GRID", (0, 0), (-1, -1), 0.5, (0, 0, 0))]))
    SimpleDocTemplate(buf, pagesize=landscape(A4)).build([table])
    records = table_records(read_tables(buf.getvalue(), "pdf"))
    _check(records[:2])
    assert len(records) == 39  # the header repeated on the next page is not a party
    assert records[-1]["fields"]["penalty_text"] == "罚款39万元"


def test_html_rowspan_and_vertical_tables():
    rows = """<html><meta charset="utf-8"><table>
      <tr><th>序号</th><th>当事人名称</th><th>主要违法违规行为</th>
          <th>行政处罚内容</th><th>作出决定机关</th></tr>
      <tr><td>1</td><td>某某银行某某分行</td><td>违规发放贷款</td><td>罚款50万元</td>
          <td rowspan="2">某某金融监管局</td></tr>
      <tr><td>2</td><td>孙某（时任某某银行某某分行行长）</td><td>负有责任</td><td>警告</td></tr>
    </table></html>""".encode("utf-8")
    records = table_records(read_tables(rows, "html"))
    assert [r["fields"]["authority_name"] for r in records] == ["某某金融监管局"] * 2
    assert party_name(records[1]["fields"]["party_name"]) == "孙某"
    assert row_text(records[0]["row"]).splitlines()[1] == "当事人名称：某某银行某某分行"
    vertical = """<table><tr><td colspan="2">行政处罚决定书文号</td><td>某罚决字〔2030〕3号</td></tr>
      <tr><td rowspan="2">被处罚当事人姓名或名称</td><td>个人姓名</td><td>/</td></tr>
      <tr><td>单位名称</td><td>某某保险公司某某支公司</td></tr>
      <tr><td colspan="2">行政处罚决定</td><td>罚款10万元</td></tr></table>""".encode("utf-8")
    [record] = table_records(read_tables(vertical, "html"))
    assert record["fields"]["party_name"] == "某某保险公司某某支公司"
    assert record["fields"]["decision_number"] == "某罚决字〔2030〕3号"


def test_unknown_tables_and_broken_files():
    assert table_records([[["名称", "数量"], ["苹果", "3"]]]) == []
    with pytest.raises(DocumentError):
        read_tables(b"not a workbook", "xlsx")
    with pytest.raises(DocumentError):
        read_tables(b"x", "doc")
