"""One width for punctuation, digits and Latin letters: the full-width forms (U+FF01 to
U+FF5E, and the ideographic space) become their ASCII forms, as NFKC maps them, while
everything else NFKC would change (〔〕, ①, ㎡, …) is left alone.  Parsers read text in this
form, so that 当事人：/当事人:, （以下简称X）/(以下简称X) and 6，226，415.04元 read alike."""

_HALF = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_HALF[0x3000] = 0x20


def half_width(text):
    return text.translate(_HALF) if text else text
