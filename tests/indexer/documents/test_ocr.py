"""OCR with the real Tesseract on images rendered here, at test time, from known text.

The images are drawn with Pillow in a CJK font (Debian fonts-noto-cjk), so the test knows
what they say; Tesseract itself is never replaced.  Without tesseract (with chi_sim) or
the font the tests are skipped, saying which is missing.
"""

import io
import shutil
import subprocess

import pytest

from indexer.documents import DocumentError, cn_decision, extract_text, ocr


def _cjk_font_files():
    """Simplified-Chinese font files that fontconfig knows (fonts-noto-cjk on Debian)."""
    if not shutil.which("fc-list"):
        return []
    listed = subprocess.run(["fc-list", ":lang=zh-cn", "file"], capture_output=True,
                            text=True).stdout
    return sorted({line.split(":")[0].strip() for line in listed.splitlines() if line.strip()},
                  key=lambda path: ("CJK" not in path, path))


def cjk_font(size):
    from PIL import ImageFont

    for path in _cjk_font_files():
        if path.endswith((".ttc", ".otf", ".ttf")):
            for index in range(5):  # the .ttc collections hold JP, KR, SC, TC, HK faces
                try:
                    font = ImageFont.truetype(path, size, index=index)
                except OSError:
                    break
                if "SC" in font.getname()[0] or path.endswith(".otf"):
                    return font
    return None


@pytest.fixture(scope="module")
def font():
    if not shutil.which("tesseract"):
        pytest.skip("tesseract is not installed (Debian: tesseract-ocr)")
    if not ocr.available():
        pytest.skip("tesseract has no chi_sim data (Debian: tesseract-ocr-chi-sim)")
    found = cjk_font(30)
    if found is None:
        pytest.skip("no simplified-Chinese CJK font to draw test images (fonts-noto-cjk)")
    return found


def render(lines, font, width=1300, columns=None, line_height=64):
    """A white page with ``lines`` drawn in black; a line may be a tuple of table cells
    drawn at the x offsets in ``columns``."""
    from PIL import Image, ImageDraw

    image = Image.new("L", (width, 40 + line_height * len(lines)), 255)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        y = 20 + line_height * i
        if isinstance(line, tuple):
            for x, cell in zip(columns, line):
                draw.text((30 + x, y), cell, font=font, fill=0)
        else:
            draw.text((30, y), line, font=font, fill=0)
    return image


def png(image):
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


APP_ROWS = [("序号", "应用名称", "应用开发者", "所涉问题"),
            ("1", "示例阅读", "示例网络科技有限公司", "违规收集个人信息"),
            ("2", "示例天气", "示例信息技术有限公司", "超范围索取权限")]


def test_image_table_is_read_row_by_row(font):
    text = ocr.ocr_image(png(render(APP_ROWS, font, columns=[0, 90, 300, 700])))
    rows = [line.split() for line in text.splitlines() if line.strip()]
    assert len(rows) == 3
    assert "示例阅读" in rows[1] and "示例网络科技有限公司" in rows[1]
    assert "示例天气" in rows[2] and "示例信息技术有限公司" in rows[2]


def test_extract_text_reads_images(font):
    data = png(render(["关于示例阅读等2款App的通报"], font))
    assert extract_text(data, "png") == "关于示例阅读等2款App的通报"
    jpeg = io.BytesIO()
    render(["责令限期整改"], font).save(jpeg, "JPEG")
    assert extract_text(jpeg.getvalue(), "jpg") == "责令限期整改"


# A decision laid out as printed: centred heading, indented paragraphs, dated signature.
DECISION = [
    "　　　　　　示例市市场监督管理局",
    "　　　　　　　行政处罚决定书",
    "　　　　　　　示市监处罚〔2025〕12号",
    "当事人：示例商贸有限公司",
    "　　经查，当事人销售商品未明码标价，违反了《中华人民共和国价格法》第十三条",
    "第一款的规定。",
    "　　本局决定处罚如下：罚款人民币5000元。",
    "　　　　　　　　　　　　　　　　示例市市场监督管理局",
    "　　　　　　　　　　　　　　　　　2025年3月18日",
]


def test_scanned_pdf_page_is_ocrd_and_parsed(font):
    """A PDF whose only page is an image (no text layer), as scanners make them."""
    pdf = io.BytesIO()
    render(DECISION, font).save(pdf, "PDF", resolution=150)
    data = pdf.getvalue()
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as doc:
        assert not doc.pages[0].chars  # really image-only
    text = extract_text(data, "pdf")
    parsed = cn_decision.parse(text)
    assert parsed["decision_number"] == "示市监处罚〔2025〕12号"
    assert parsed["party_name"] == "示例商贸有限公司"
    assert str(parsed["fine_amount"]) == "5000"
    assert parsed["decision_date"] == "2025-03-18"


def test_not_an_image_is_a_document_error():
    with pytest.raises(DocumentError):
        ocr.ocr_image(b"%PDF-1.4 not an image")
    with pytest.raises(DocumentError):
        extract_text(b"\x89PNG\r\n\x1a\n truncated", "png")
