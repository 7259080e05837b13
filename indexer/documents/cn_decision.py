"""Parser for Chinese 行政处罚决定书 (administrative penalty decision documents).

``parse(text)`` takes the text produced by :func:`indexer.documents.extract_text` (one
paragraph or header field per line) and returns the fields of the decision. Every field
has its own ``_parse_<field>`` helper; a field that cannot be found is ``None`` (or ``[]``).
Amounts come from :mod:`indexer.normalize.amounts`, applied to the penalty text only.
"""

from __future__ import annotations

import re

from indexer.normalize.amounts import parse_cn_amounts
from indexer.normalize.dates import parse_date
from indexer.normalize.legal_basis import parse_citations_zh

__all__ = ["parse", "penalty_kinds", "FIELDS"]

FIELDS = (
    "title", "no_penalty", "authority_name", "decision_number", "party_name", "party_id",
    "party_kind", "facts", "violated_text", "basis_text", "penalty_text", "penalty_kinds",
    "decision_date", "legal_basis", "fine_amount", "confiscation_amount",
)

_CN_NUM = "〇零一二三四五六七八九十百千两"
_NUM = rf"[0-9０-９{_CN_NUM}]+"
_AUTHORITY = re.compile(
    r"^[\u4e00-\u9fff（）()]{4,40}(?:局|分局|委员会|厅|署|管理处|办公室|监督所|市场监管所|政府)$"
)
_TITLE = re.compile(r"^(?:[^\s：:，。]{0,30}?)?((?:不予)?(?:行政)?处罚决定书)$")
_DECISION_NO = re.compile(
    r"(?:[（(][\u4e00-\u9fff]{1,6}[）)])?(?:(?!号)[\u4e00-\u9fff（）()])+"
    r"\s*[〔【\[［(（]\s*(?:19|20)\d\d\s*[〕】\]］)）]\s*(?:第\s*)?[0-9A-Za-z\-－]+\s*号"
)
_DATE = re.compile(
    rf"((?:19|20)\d\d|[二][〇零○Ｏ0][〇零○Ｏ0一二三四五六七八九]{{2}})\s*年\s*({_NUM})\s*月\s*({_NUM})\s*日"
)
_INTRO = re.compile(
    r"(?:决定|处罚|处理)如下|作出?如下(?:行政)?(?:处罚|处理)|作出?以下(?:行政)?处罚|给予以下(?:行政)?处罚"
    r"|给予(?:当事人)?(?:以下|如下)(?:行政)?(?:处罚|处理)|决定[：:]|决定(?=责令|对当事人|对其|给予|处以|罚款|没收|不予|免予)"
)
_PENALTY_END = re.compile(
    r"当事人应[当在于]?自?收到|当事人应在|应当?(?:自|在|于)(?:收到|接到)|请(?:于|在)?收到|请在接到|自收到本"
    r"|[（(]行政处罚的履行|逾期不(?:缴纳|履行)|当事人逾期|所处罚没款|罚没款.{0,6}缴[至到入]|如(?:你|当事人)?"
    r"(?:（单位）)?(?:对本|不服)|你（单位）如不服|当事人如对|如不服本|本决定自"
)
_FACTS_START = re.compile(r"经查明?[，,：:]|经调查|调查认定的事实|查明[，,：:]|（违反法律、法规或者规章的事实）")
_FACTS_END = re.compile(
    r"上述事实|以上事实|以上证据|当事人上述违法事实有以下证据|(?:主要)?有以下证据|证据如下|（当事人陈述、申辩"
)
_ORDINALS = str.maketrans("０１２３４５６７８９", "0123456789")


def parse(text: str) -> dict:
    """Parse the text of a 行政处罚决定书 into structured fields."""
    text = _prepare(text or "")
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    header = _header_lines(lines)
    penalty_span = _penalty_span(text)
    penalty_text = text[penalty_span[0]:penalty_span[1]].strip() if penalty_span else None
    analysis = _analysis_text(text, penalty_span)
    violated_text = _parse_violated_text(analysis)
    basis_text = _parse_basis_text(analysis)
    amounts = parse_cn_amounts(penalty_text)
    title = _parse_title(lines, text)
    party_name = _parse_party_name(header)
    party_id = _parse_party_id(header)
    lead_in = _lead_in(text, penalty_span)
    kinds = _parse_penalty_kinds(penalty_text, amounts, lead_in)
    no_penalty = _parse_no_penalty(title, text, kinds)
    if no_penalty and "no_penalty" not in kinds:
        kinds = sorted(set(kinds) | {"no_penalty"}, key=_KIND_ORDER.index)
    return {
        "title": title,
        "no_penalty": no_penalty,
        "authority_name": _parse_authority_name(lines),
        "decision_number": _parse_decision_number(header or lines[:15]),
        "party_name": party_name,
        "party_id": party_id,
        "party_kind": _parse_party_kind(party_name, party_id, header),
        "facts": _parse_facts(text),
        "violated_text": violated_text,
        "basis_text": basis_text,
        "penalty_text": penalty_text or None,
        "penalty_kinds": kinds,
        "decision_date": _parse_decision_date(lines),
        "legal_basis": _parse_legal_basis(violated_text, basis_text),
        "fine_amount": _money(amounts["fine"]),
        "confiscation_amount": _money(amounts["confiscation"]),
    }


# --------------------------------------------------------------------------- helpers


def _prepare(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u3000", " ")
    return re.sub(r"[ \t]+", " ", text)


def _money(value) -> str | None:
    return None if value is None else format(value, "f")


def _header_lines(lines: list[str]) -> list[str]:
    """Lines up to the first narrative paragraph (the 当事人 block and what precedes it)."""
    out = []
    for i, line in enumerate(lines):
        if i > 3 and (len(line) > 90 or _FACTS_START.match(line)) and not line.startswith(
            ("当事人", "经营范围")
        ):
            break
        out.append(line)
    return out


def _strip_quotes(text: str) -> str:
    return re.sub(r"“[^”]*(?:”|$)|\"[^\"\n]*\"|「[^」]*」", "", text)


def _outside_quotes(text: str, pattern: re.Pattern, start: int = 0):
    """Matches of pattern in text that are not inside “...” quotations."""
    for m in pattern.finditer(text, start):
        if not _in_quote(text, m.start()):
            yield m


# --------------------------------------------------------------------------- fields


def _parse_title(lines: list[str], text: str) -> str | None:
    for line in lines[:12]:
        compact = re.sub(r"\s", "", line)
        m = _TITLE.match(compact)
        if m and len(compact) <= 40:
            return m.group(1) if not m.group(1).startswith("处罚") else "行政" + m.group(1)
    # title glyphs unreadable: the document names itself in the appeal notice
    m = re.search(r"本(不予)?(?:行政)?处罚决定书", text)
    if m:
        return "不予行政处罚决定书" if m.group(1) else "行政处罚决定书"
    return None


def _parse_no_penalty(title: str | None, text: str, kinds: list[str]) -> bool:
    if title and title.startswith("不予"):
        return True
    if re.search(r"决定(?:对当事人)?(?:不予|免予)(?:行政)?处罚", text):
        return not any(k in kinds for k in ("fine", "confiscation_of_illegal_gains",
                                            "confiscation_of_property", "suspension",
                                            "license_revocation", "warning"))
    return False


def _parse_authority_name(lines: list[str]) -> str | None:
    title_idx = next((i for i, ln in enumerate(lines[:12]) if "决定书" in ln), None)
    head = lines[: title_idx if title_idx is not None else 3]
    for line in head:
        compact = re.sub(r"\s", "", line)
        if _AUTHORITY.match(compact):
            return compact
    tail = lines[-15:]
    for line in reversed(tail):
        compact = re.sub(r"\s|（?印\s*章）?|（sealdwy）", "", line)
        m = re.match(r"^[（(]([\u4e00-\u9fff]{4,40}?)(?:行政处罚专用)?印章[）)]$", line.replace(" ", ""))
        if m:
            return m.group(1)
        if _AUTHORITY.match(compact) and not compact.startswith(("如", "向", "本")):
            return compact
    # a signature truncated at the right margin: "池州市贵池区市场监督管理"
    for line in reversed(tail):
        compact = re.sub(r"\s", "", line)
        if re.fullmatch(r"[\u4e00-\u9fff]{4,30}(?:市场监督管理|市场监管)", compact):
            return compact + "局"
    return None


def _parse_decision_number(lines: list[str]) -> str | None:
    for line in lines:
        if "告" in line and "罚告" in line:
            continue
        for m in _DECISION_NO.finditer(re.sub(r"\s", "", line)):
            number = m.group(0)
            if "执法证" in number:
                continue
            return number
    return None


_LABEL_PARTY = re.compile(r"^当事人(?:名称|姓名)?[（(]?[^：:]{0,4}?[）)]?\s*[:：]\s*(.*)$")


def _parse_party_name(header: list[str]) -> str | None:
    for line in header:
        m = _LABEL_PARTY.match(line)
        if m:
            value = re.split(r"\s{1,}(?=[\u4e00-\u9fff]{2,12}[：:])", m.group(1))[0]
            value = value.strip().rstrip("；;。，,")
            # portal convention "名称（个体工商户）(经营者姓名)": the operator is not the party
            value = re.sub(r"(（个体工商户）)\s*[（(][\u4e00-\u9fff*＊]{1,5}[）)]$", r"\1", value)
            return value or None
    return None


def _parse_party_id(header: list[str]) -> str | None:
    for line in header:
        m = re.match(
            r"^(?:统一社会信用代码|社会信用代码|注册号|营业执照注册号)[^：:]{0,12}[：:]\s*([0-9A-Za-z*＊×xX\s]+)",
            line,
        )
        if m:
            value = re.sub(r"\s", "", m.group(1)).replace("＊", "*")
            if value and value not in ("/", "无"):
                return value
    return None


def _parse_party_kind(name: str | None, party_id: str | None, header: list[str]) -> str | None:
    if not name:
        return None
    code = (party_id or "")[:2] if len(party_id or "") == 18 else ""
    if "个体工商户" in name or code == "92":
        return "individual_business"
    if re.search(r"有限责任公司|有限公司|股份公司|集团|公司$|分公司", name) or code == "91":
        return "company"
    if code[:1] in ("1", "5", "3") or re.search(r"医院|卫生院|学校|中心$|委员会|协会|合作社", name):
        return "other"
    labels = "\n".join(header)
    if re.search(r"(?:店|馆|部|行|超市|厂|工作室|摊|坊|中心|诊所|药房|商店)$", name):
        return "individual_business"
    if re.search(r"^经营者[：:]", labels, re.M):
        return "individual_business"
    if re.fullmatch(r"[\u4e00-\u9fff*＊]{2,4}", name) and re.search(r"身份证", labels):
        return "natural_person"
    return "other"


def _parse_facts(text: str) -> str | None:
    start = _FACTS_START.search(text)
    if not start:
        return None
    end = _FACTS_END.search(text, start.end())
    facts = text[start.start(): end.start() if end else None].strip()
    return facts or None


def _penalty_span(text: str) -> tuple[int, int] | None:
    intros = list(_outside_quotes(text, _INTRO))
    if not intros:
        return None
    summary = [m.start() for m in _outside_quotes(text, re.compile(r"(?:^|[。\n])\s*综上"))]
    start_match = intros[0]
    if summary:
        after = [m for m in intros if m.start() > summary[-1]]
        if after:
            start_match = after[0]
    start = start_match.end()
    if text[start:start + 1] in "：:":
        start += 1
    end_m = _PENALTY_END.search(text, start)
    end = end_m.start() if end_m else len(text)
    line_start = text.rfind("\n", start, end) + 1
    if line_start and end - line_start < 15 and not re.search(r"[。；;]", text[line_start:end]):
        end = line_start  # "当事人请于收到本决定书..." starts the payment note
    if end - start < 2:
        return None
    return start, end


def _lead_in(text: str, penalty_span) -> str:
    """The sentence that introduces the penalty (现责令当事人改正，并决定处罚如下：)."""
    if not penalty_span:
        return ""
    before = _strip_quotes(text[max(0, penalty_span[0] - 400): penalty_span[0]])
    breaks = [m.end() for m in re.finditer(r"[。；;：:）)]\n", before)]
    return before[breaks[-1]:] if breaks else before.split("\n")[-1]


def _analysis_text(text: str, penalty_span) -> str:
    """The reasoning part: after the evidence list, up to the end of the penalty."""
    facts = _FACTS_START.search(text)
    end_facts = _FACTS_END.search(text, facts.end() if facts else 0)
    start = end_facts.start() if end_facts else 0
    if penalty_span:
        end = penalty_span[1]
    else:
        end_m = _PENALTY_END.search(text, start)
        end = end_m.start() if end_m else len(text)
    return text[start:end]


def _sentences(text: str) -> list[str]:
    """Split at 。 and at paragraph ends, not inside “...” quotations.

    A line break that does not follow sentence punctuation is a wrap the extractor could
    not repair (《价格法》\n第十四条): the sentence continues on the next line. Quotations
    may span lines (quoted list items), but not without bound (unbalanced quotes).
    """
    out, buf, depth, opened = [], [], 0, 0
    for ch in text:
        if ch == "\n":
            prev = buf[-1] if buf else ""
            if depth and len(buf) - opened > 600:
                depth = 0
            if depth or (prev and prev not in "。；;：:！？!?"):
                continue
        buf.append(ch)
        if ch == "“":
            depth, opened = 1, len(buf)
        elif ch == "”":
            depth = 0
        elif ch in "。\n" and not depth:
            out.append("".join(buf).strip())
            buf = []
    if buf:
        out.append("".join(buf).strip())
    return [s for s in out if s]


_BASIS_START = re.compile(r"(?:依据|根据|依照|按照)\s*《|（行政处罚的内容和依据）")
_PROCEDURAL = re.compile(r"立案|送达|告知|听证|复议|诉讼|加处罚款|程序规定|缴纳|强制执行")
_BASIS_END = re.compile(
    r"[，,]\s*(?:本局|我局|现|应当|责令|决定|对当事人|给予|报经|经)|(?:本局|我局)?(?:现)?(?:决定|责令)"
)
_GANSU_BASIS = re.compile(r"（行政处罚的内容和依据）")


def _parse_violated_text(analysis: str) -> str | None:
    parts = []
    for sentence in _sentences(analysis):
        m = re.search(r"违反(?:了)?\s*《", sentence)
        if not m:
            continue
        # the clause starts after the previous sentence-like boundary (unquoted law text
        # often precedes it: "...经营变质、超过使用期限的化妆品……当事人...违反了《...》")
        bounds = [
            i for i in range(m.start()) if sentence[i] in "。；;…" and not _in_quote(sentence, i)
        ]
        clause = sentence[bounds[-1] + 1:] if bounds else sentence
        cut = _BASIS_START.search(clause, m.start() - (len(sentence) - len(clause)))
        if cut:
            clause = clause[: cut.start()]
        clause = clause.strip(" ，,…")
        if clause and clause not in parts:
            parts.append(clause)
    return "\n".join(parts) or None


def _parse_basis_text(analysis: str) -> str | None:
    parts = []
    label = _GANSU_BASIS.search(analysis)
    if label:  # Gansu template: the basis is a labelled section spanning several lines
        section = analysis[label.end():].strip()
        if "《" in section:
            parts.append(section)
    for sentence in _sentences(analysis):
        if _PROCEDURAL.search(_strip_quotes(sentence)) and not re.search(r"综上|决定|如下", sentence):
            continue
        for m in _BASIS_START.finditer(sentence):
            if _in_quote(sentence, m.start()):
                continue
            rest = sentence[m.start():]
            end = _first_outside_quotes(rest, _BASIS_END)
            clause = rest[:end] if end else rest
            if _PROCEDURAL.search(_strip_quotes(clause)):
                continue
            clause = clause.strip(" ，,")
            if clause and clause not in parts:
                parts.append(clause)
    return "\n".join(parts) or None


def _in_quote(text: str, pos: int) -> bool:
    """Is text[pos] inside a “...” quotation (quotes do not span paragraphs)?"""
    line_start = text.rfind("\n", 0, pos) + 1
    segment = text[line_start:pos]
    return segment.rfind("“") > segment.rfind("”")


def _first_outside_quotes(text: str, pattern: re.Pattern) -> int | None:
    for m in pattern.finditer(text):
        if m.start() > 0 and not _in_quote(text, m.start()):
            return m.start()
    return None


_FINE_WORD = re.compile(r"(?<!加处)罚款(?!数额)")
_GAINS_WORD = re.compile(r"没收(?:当事人)?(?:的)?违法所得|没收[^；;。]{0,20}价款")
_PROPERTY_WORD = re.compile(
    r"没收(?!违法所得|当事人违法所得|[^；;。]{0,20}价款)[^；;。]{0,60}?"
    r"(?:\d+\s*(?:袋|瓶|件|个|台|盒|包|箱|支|套|千克|公斤|斤|桶)|财物|商品|物品|工具|设备|产品|化妆品|食品)"
)

_KIND_ORDER = [
    "warning", "fine", "confiscation_of_illegal_gains", "confiscation_of_property",
    "order_to_rectify", "suspension", "license_revocation", "no_penalty",
]


def _parse_penalty_kinds(penalty_text: str | None, amounts: dict, lead_in: str = "") -> list[str]:
    """Kinds imposed by the penalty text (and the sentence that introduces it)."""
    if not penalty_text:
        return []
    text = _strip_quotes(penalty_text)
    kinds = set()
    if re.search(r"警告", text) and not re.search(r"不予警告", text):
        kinds.add("warning")
    if amounts.get("fine") is not None or (_FINE_WORD.search(text) and re.search(r"[0-9元]", text)):
        kinds.add("fine")
    if amounts.get("confiscation") is not None or _GAINS_WORD.search(text):
        kinds.add("confiscation_of_illegal_gains")
    if _PROPERTY_WORD.search(text):
        kinds.add("confiscation_of_property")
    if re.search(r"责令[^；;。]{0,12}(?:改正|整改|停止|退还|退款)", lead_in + text):
        kinds.add("order_to_rectify")
    if re.search(r"停业整顿|停产停业|暂停[^；;。]{0,10}(?:营业|经营|业务)|责令停产", text):
        kinds.add("suspension")
    if re.search(r"吊销", text):
        kinds.add("license_revocation")
    return [k for k in _KIND_ORDER if k in kinds]


def penalty_kinds(penalty_text: str | None) -> list[str]:
    """Kinds imposed by a penalty text alone, e.g. a portal's 处罚内容 summary."""
    return _parse_penalty_kinds(penalty_text, parse_cn_amounts(penalty_text))


def _parse_decision_date(lines: list[str]) -> str | None:
    """The date printed under the signature (seal stamps may carry another date)."""
    tail = lines[-15:]
    dates = []
    for idx, line in enumerate(tail):
        compact = re.sub(r"\s", "", line)
        m = _DATE.fullmatch(compact) or (
            _DATE.search(compact) if len(compact) <= 24 and "送达" not in compact else None
        )
        if m:
            dates.append((idx, m))
    if not dates:
        return None
    signature = [
        i for i, line in enumerate(tail)
        if _AUTHORITY.match(re.sub(r"\s", "", line)) or re.search(r"印\s*章|sealdwy", line)
    ]
    after = [d for d in dates if signature and d[0] > signature[-1]] or \
        [d for d in dates if signature and d[0] > signature[0]]
    idx, m = after[0] if after else dates[-1]
    return parse_date(m.group(0))


def _parse_legal_basis(violated_text: str | None, basis_text: str | None) -> list[dict]:
    seen, out = set(), []
    cited = parse_citations_zh(violated_text, "violated") + parse_citations_zh(basis_text, "basis")
    for cit in cited:
        key = (cit["law"], cit["article"], cit["paragraph"], cit["item"], cit["role"])
        if key not in seen:
            seen.add(key)
            out.append(cit)
    return out
