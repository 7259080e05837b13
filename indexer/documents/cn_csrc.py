"""Parser for the securities regulator's 行政处罚决定书 (CSRC decisions, HTML text).

A CSRC decision often penalizes several parties at once (a company, its directors, the
signing accountants), each with a penalty of their own::

    当事人:大华会计师事务所(特殊普通合伙)(以下简称大华所),住所:北京市海淀区。
    高世茂,男,涉案项目签字注册会计师。
    ...
    我会决定:
    一、对大华会计师事务所(特殊普通合伙)责令改正,没收审计业务收入5,207,547.16元,并处以950万元罚款。
    二、对高世茂给予警告,并处以60万元罚款。

``parse(text, title=None)`` returns the decision's own fields (number, date, authority)
and ``parties``: one entry per penalized party (or per group of parties on whom an amount
is imposed jointly, without a share per person) with that party's penalty text, penalty
kinds, fine, confiscation and, where the decision only splits a combined sum
(违法所得及罚款合计X元，由A承担Y元), that party's ``total_amount``.

``parse_party(text, party_name, title=None)`` gives the record the indexer needs for one
party: the general parse of :mod:`indexer.documents.cn_decision` (facts, cited
provisions) with the party's own fields on top.

How the decision part is read:

* parties come from the 当事人 block (``名称(以下简称X)``, ``姓名,男,...``), from the
  title's parenthesis (京都所及李欣、景恒心) and from abbreviations defined anywhere
  (``(以下简称深本实)``);
* the decision part runs from the first 我会/本会 决定 to the payment note; it is cut
  into units (numbered items, sentences) and sub-clauses (``，对`` ``；`` ...); the subject
  of a sub-clause is the party named right before its verb (对X处以, 对A、B分别给予),
  or the one of the clause before; ``分别`` gives each the same amount, otherwise the
  amount is joint;
* shares (其中A承担X元, 由A、B分别承担Y元) replace the joint amount they split;
* a consolidated list (综合上述两项：..., 综合前述两项，对X..., 合计对X...) replaces the
  per-violation amounts before it; totals inside a clause (合计罚款950万元) are never
  added to the parts they sum (:func:`indexer.normalize.amounts.parse_cn_amounts`).
"""

from __future__ import annotations

import re
from decimal import Decimal

from indexer.documents import cn_decision
from indexer.normalize.amounts import AMOUNT_RE, cn_number, parse_cn_amounts
from indexer.normalize.dates import parse_date
from indexer.normalize.punctuation import half_width

__all__ = ["parse", "parse_party", "AUTHORITY"]

AUTHORITY = "中国证券监督管理委员会"

_NUMBER = re.compile(
    r"^(?:[\u4e00-\u9fff]{0,12}?)[〔\[［(（]\s*(?:19|20)\d\d\s*[〕\]］)）]\s*(?:第\s*)?\d+\s*号$"
)
_TITLE_PREFIX = re.compile(r"^([\u4e00-\u9fff]{2,40}?决定书)")
_TITLE_NUMBER = re.compile(r"[〔\[［]\s*(?:19|20)\d\d\s*[〕\]］]\s*\d+\s*号")
_DECISION_START = re.compile(
    r"(?:我会|本会)(?:作出如下决定|决定如下|决定)\s*[:：]|经研究决定\s*[:：]|本会决定如下\s*[:：]?"
)
_DECISION_END = re.compile(
    r"(?:上述)?当事人[^。\n]{0,40}?应自收到|当事人如(?:果)?对本处罚决定不服|如对本处罚决定不服"
)
_HEADER_STOP = re.compile(r"^(?:依据|根据|依照|日前|经查|我会|本会|本案)")
_PERSON = re.compile(r"^[\u4e00-\u9fff·]{2,6}$")
_ABBREV = re.compile(r"[（(]\s*(?:原名[^，,）)]*[，,]\s*)?以下简称[“\"]?([^）)”\"，,]{2,20})[”\"]?\s*[）)]")
_CONSOLIDATION = re.compile(r"^(?:[一二三四五六七八九十\d]+[、.．])?\s*(?:综合(?:上述|前述|以上)|合计对)")
_SUBCLAUSE = re.compile(r"[，,；;](?=\s*(?:同时)?(?:对|责令|没收|合计|综合))")
_SHARE = "(?:其中)?\\s*(?:由)?\\s*(?P<names>{names})\\s*(?P<each>分别)?\\s*承担\\s*(?P<amount>{amount})"
_AMOUNT = r"(?:人民币)?\s*[0-9０-９][0-9０-９,，.．]*\s*(?:万|亿)?\s*元"
_NOT_SUBJECT_AFTER = re.compile(
    r"^(?:超比例|在限制|限制|利用|实施|内幕|泄露|建议|欺诈|信息披露|相关|20\d\d年|的|其他|直接|"
    r"上述|违法行为|违法违规|行为|未|所|公司|集团|等)"
)
_NO_PENALTY = re.compile(r"免予处罚|不予处罚|不再追究")
_PENALTY_WORD = re.compile(r"罚款|警告|没收|责令|处以|禁入|处理|注销|承担|罚")


def _normalize_numbers(text: str) -> str:
    """Spacing inside numbers as some pages print them: "360, 031. 87元" -> "360,031.87元"."""
    text = re.sub(r"(?<=\d)\s*([,，])\s+(?=\d{3}(?!\d))", r"\1", text)
    text = re.sub(r"(?<=\d)\s*([.．])\s+(?=\d)", r"\1", text)
    text = re.sub(r"(?<=\d)\s+(?=\.\d)", "", text)
    return text


def _clean(text: str) -> str:
    text = half_width(text or "").replace("\r\n", "\n").replace("\r", "\n")
    text = "\n".join(re.sub(r"[ \t\xa0]+", " ", ln).strip() for ln in text.split("\n"))
    return _normalize_numbers(re.sub(r"\n{2,}", "\n", text).strip())


# --------------------------------------------------------------------------- document


def _parse_decision_number(lines: list[str], title: str | None) -> str | None:
    """The number in its full form: a page that prints only 〔2026〕10号 gets its title's
    prefix (中国证券监督管理委员会行政处罚决定书〔2026〕10号), so that the decisions of the
    commission and of its regional offices, numbered alike, stay apart."""
    number = None
    for line in lines[:3]:
        compact = re.sub(r"\s", "", line)
        if _NUMBER.match(compact):
            number = compact
            break
    else:
        m = _TITLE_NUMBER.search(title or "")
        number = re.sub(r"\s", "", m.group(0)) if m else None
    prefix = _TITLE_PREFIX.match(re.sub(r"\s", "", half_width(title or "")))
    if number and prefix and number[0] in "〔[(":
        number = prefix.group(1) + number
    return number


def _parse_decision_date(lines: list[str]) -> str | None:
    for line in reversed(lines[-4:]):
        compact = re.sub(r"\s", "", line)
        if re.fullmatch(r"[0-9〇零○Ｏ一二三四五六七八九十]{4}年[0-9一二三四五六七八九十]{1,3}月"
                        r"[0-9一二三四五六七八九十]{1,3}日", compact):
            return parse_date(compact)
    return None


def _party_from_segment(segment: str) -> tuple[str, str | None, str] | None:
    """(name, abbreviation, description) of one 当事人 entry, or None."""
    segment = segment.strip().rstrip("。；;")
    if not segment:
        return None
    abbrev = None
    # the name runs to the first comma outside brackets: 中安科股份有限公司（原名...，以下简称...）
    parts = re.split(r"[，,](?![^（(]*[）)])", segment, maxsplit=1)
    name, rest = parts[0].strip(), (parts[1] if len(parts) > 1 else "")
    m = _ABBREV.search(name)
    if m:
        abbrev = m.group(1).strip()
        rest = name[m.end():] + rest
        name = name[:m.start()].strip()
    elif not rest:
        m = _ABBREV.search(segment)  # 深本实 (以下简称...)未在法定期限内...一案
        if m and m.start() < 60 and not re.search(r"[，,。]", segment[:m.start()]):
            abbrev = m.group(1).strip()
            name, rest = segment[:m.start()].strip(), segment[m.end():]
    name = re.sub(r"^当事人\s*[:：]?\s*", "", name).strip()
    if not name or len(name) > 60 or re.search(r"[。：:]", name):
        return None
    person = _PERSON.match(name) and re.match(r"\s*[，,]?\s*(?:男|女|\d{1,3}岁)", rest)
    company = re.search(r"住所|法定代表人", rest) or abbrev
    if not (person or company):
        return None
    return name, abbrev, rest


def _parse_parties(lines: list[str], text: str, title: str | None) -> list[dict]:
    """The parties named in the 当事人 block, then the title's, in order of appearance."""
    parties: list[dict] = []
    started = False
    for line in lines[1:40]:
        if not started and not line.startswith("当事人"):
            if _parse_decision_number([line], None):
                continue
            if parties or _HEADER_STOP.match(line):
                break
        started = True
        body = re.sub(r"^当事人\s*[:：]?\s*", "", line)
        if not body:
            continue
        stop = False
        for segment in re.split(r"(?<=[。；;])", body):
            if _HEADER_STOP.match(segment.strip()):
                stop = True
                break
            found = _party_from_segment(segment)
            if found:
                name, abbrev, rest = found
                if name not in [p["name"] for p in parties]:
                    parties.append({"name": name, "abbrev": abbrev,
                                    "person": bool(re.match(r"\s*(?:男|女|\d{1,3}岁)", rest))})
            elif parties or segment.strip():
                if re.search(r"一案|违法案|现已|经查", segment):
                    stop = True
                    break
        if stop:
            break
    for name in _title_names(title):
        if not any(name in (p["name"], p["abbrev"]) for p in parties):
            parties.append({"name": name, "abbrev": None, "person": False})
    for party in parties:
        if not party["abbrev"]:
            m = re.search(re.escape(party["name"]) + r"\s*" + _ABBREV.pattern, text)
            if m:
                party["abbrev"] = m.group(1).strip()
    return parties


def _title_names(title: str | None) -> list[str]:
    m = re.search(r"决定书\s*[（(](.+)[）)]", title or "")
    if not m:
        return []
    inner = re.sub(r"[（(]原名[^）)]*(?:[）)]|$)", "", m.group(1))
    # a title that runs on into the text: keep the organisation's name
    cut = re.match(r"^(.+?(?:有限责任公司|股份有限公司|有限公司|公司|事务所(?:[（(]特殊普通合伙[）)])?))"
                   r"(?=.*(?:一案|开立|违法|未在|买卖))", inner)
    if cut:
        return [cut.group(1)]
    names = [n.strip() for n in re.split(r"、|及", inner) if n.strip()]
    return [n for n in names if 2 <= len(n) <= 40]


# --------------------------------------------------------------------------- decision part


def _decision_part(text: str) -> tuple[int, int] | None:
    start = _DECISION_START.search(text)
    if not start:
        return None
    end = _DECISION_END.search(text, start.end())
    return start.end(), (end.start() if end else len(text))


def _units(section: str) -> list[str]:
    """Numbered items and sentences of the decision part."""
    units = []
    for line in section.split("\n"):
        line = line.strip()
        if not line:
            continue
        # "（一）...；（二）..." on one line: each item is a unit
        line = re.sub(r"[；;]\s*(?=[（(][一二三四五六七八九十]{1,3}[）)])", "；\n", line)
        for part in line.split("\n"):
            for sentence in re.split(r"(?<=。)", part):
                if sentence.strip():
                    units.append(sentence.strip())
    return units


class _Names:
    def __init__(self, parties: list[dict]):
        self.alias = {}
        for p in parties:
            self.alias[p["name"]] = p["name"]
            if p["abbrev"]:
                self.alias.setdefault(p["abbrev"], p["name"])
        ordered = sorted(self.alias, key=len, reverse=True)
        self.pattern = re.compile("|".join(re.escape(n) for n in ordered)) if ordered else None

    def find(self, text: str) -> list[re.Match]:
        return list(self.pattern.finditer(text)) if self.pattern else []

    def run_pattern(self) -> str:
        one = "(?:%s)" % self.pattern.pattern
        return one + r"(?:\s*[、和及与]\s*" + one + ")*"


def _subjects(clause: str, names: _Names) -> list[str]:
    found = names.find(clause)
    subjects = []
    for m in found:
        after = clause[m.end():]
        if _NOT_SUBJECT_AFTER.match(after):
            continue
        subjects.append(names.alias[m.group(0)])
    if not subjects:
        subjects = [names.alias[m.group(0)] for m in found]
    out = []
    for s in subjects:
        if s not in out:
            out.append(s)
    return out


def _category_before(text: str, pos: int) -> str:
    before = text[:pos]
    cues = [(before.rfind("合计"), "total"), (before.rfind("罚款"), "fine"),
            (before.rfind("违法所得"), "confiscation"), (before.rfind("没收"), "confiscation"),
            (before.rfind("业务收入"), "confiscation")]
    pos, category = max(cues)
    return category if pos >= 0 else "fine"


def _amount(raw: str) -> Decimal | None:
    m = AMOUNT_RE.search(raw)
    try:
        return cn_number(m.group("num")) if m else None
    except ValueError:
        return None


class _Party:
    def __init__(self, names: tuple[str, ...]):
        self.names = names
        self.pieces: list[tuple[int, str]] = []  # (unit number, text)
        self.amounts = {"fine": Decimal(0), "confiscation": Decimal(0), "total": Decimal(0)}
        self.seen = set()
        self.consolidated = None  # amounts of a consolidated list, which win
        self.first_consolidated = None
        self.no_penalty = False

    def add(self, number: int, piece: str, amounts: dict, consolidated: bool,
            whole: bool = False):
        if whole:  # the whole unit (with the shares) stands for its clauses
            self.pieces = [(n, t) for n, t in self.pieces if n != number]
        if (number, piece) not in self.pieces:
            self.pieces.append((number, piece))
        target = self.amounts
        if consolidated:
            if self.consolidated is None:
                self.consolidated = {"fine": Decimal(0), "confiscation": Decimal(0),
                                     "total": Decimal(0)}
            target = self.consolidated
            if self.first_consolidated is None:
                self.first_consolidated = number
        for key, value in amounts.items():
            if value is not None:
                target[key] += value
                self.seen.add((consolidated, key))


def _decision_parties(section: str, names: _Names) -> dict[tuple[str, ...], _Party]:
    found: dict[tuple[str, ...], _Party] = {}

    def party(key):
        if key not in found:
            found[key] = _Party(key)
        return found[key]

    share_re = None
    if names.pattern:
        share_re = re.compile(_SHARE.format(names=names.run_pattern(), amount=_AMOUNT))
    consolidated = False
    for number, unit in enumerate(_units(section)):
        body = unit
        if _CONSOLIDATION.match(body):
            consolidated = True
            body = re.sub(r"^.*?(?:合计|综合(?:上述|前述|以上)[^，,：:]*[，,：:])\s*(?:合计)?", "", body)
        shares: dict[str, dict[str, Decimal]] = {}
        if share_re:
            for m in share_re.finditer(body):
                category = _category_before(body, m.start())
                value = _amount(m.group("amount"))
                if value is None:
                    continue
                for n in names.find(m.group("names")):
                    shares.setdefault(names.alias[n.group(0)], {})[category] = value
            body_wo_shares = share_re.sub("，", body)
        else:
            body_wo_shares = body
        shared_categories = {c for s in shares.values() for c in s}
        only_totals = not any(v is not None for v in _clause_amounts(body_wo_shares).values())
        subjects: list[str] = []
        for clause in _SUBCLAUSE.split(body_wo_shares):
            clause = clause.strip(" ，,；;。")
            if not clause:
                continue
            found_subjects = _subjects(clause, names)
            if found_subjects:
                subjects = found_subjects
            if not subjects:
                continue
            if not _PENALTY_WORD.search(clause):
                continue
            if _NO_PENALTY.search(clause) and not re.search(r"罚款|警告|没收", clause):
                continue
            values = _clause_amounts(clause, totals=only_totals)
            for category in shared_categories:
                values.pop(category, None)
            if "total" in shared_categories:
                values = {}
            each = ("分别" in clause or len(subjects) == 1
                    or all(v is None for v in values.values()))
            keys = [(s,) for s in subjects] if each else [tuple(subjects)]
            for key in keys:
                party(key).add(number, clause, values, consolidated)
        for name, categories in shares.items():
            party((name,)).add(number, unit, categories, consolidated, whole=True)
    # a party named jointly and also on its own: the joint entry keeps only joint amounts
    return found


_TOTAL_PART = re.compile(r"合计|共计|总计")


def _clause_amounts(clause: str, totals: bool = False) -> dict:
    """Fine and confiscation of one sub-clause; its comma-separated parts are read one by
    one, so that "处以40万元罚款，在限制转让期限内的减持行为处以910万元罚款" counts both.
    A part that states a total (对丹邦投资合计罚款600万元) is skipped unless ``totals``
    (the unit states nothing but totals)."""
    total = {"fine": None, "confiscation": None}
    for part in re.split(r"，|,(?!\d)", clause):  # not inside 1,500,000
        if _TOTAL_PART.search(part) and not totals:
            continue
        found = parse_cn_amounts(_TOTAL_PART.sub("", part) if totals else part)
        for key in total:
            if found[key] is not None:
                total[key] = (total[key] or 0) + found[key]
    if total["fine"] is None and total["confiscation"] is None and not _TOTAL_PART.search(clause):
        found = parse_cn_amounts(clause)
        total = {"fine": found["fine"], "confiscation": found["confiscation"]}
    return total


def _kinds(text: str, fine, confiscation, total) -> list[str]:
    kinds = set(cn_decision.penalty_kinds(text))
    if fine is None and total is None:
        kinds.discard("fine")
    else:
        kinds.add("fine")
    if confiscation is None and total is None:
        kinds.discard("confiscation_of_illegal_gains")
    elif confiscation is not None:
        kinds.add("confiscation_of_illegal_gains")
    if not re.search(r"(?<!不予)警告", text):
        kinds.discard("warning")
    order = ["warning", "fine", "confiscation_of_illegal_gains", "confiscation_of_property",
             "order_to_rectify", "suspension", "license_revocation", "no_penalty"]
    return [k for k in order if k in kinds]


def _money(value: Decimal | None) -> str | None:
    if value is None:
        return None
    if value == value.to_integral_value():
        return format(value.quantize(Decimal(1)), "f")
    return format(value.normalize(), "f")


def parse(text: str, title: str | None = None) -> dict:
    """Fields of a CSRC decision and its penalized parties."""
    text = _clean(text)
    lines = [ln for ln in text.split("\n") if ln.strip()]
    parties = _parse_parties(lines, text, title)
    names = _Names(parties)
    span = _decision_part(text)
    section = text[span[0]:span[1]] if span else ""
    found = _decision_parties(section, names) if section else {}
    order = {p["name"]: i for i, p in enumerate(parties)}
    out = []
    for key, p in sorted(found.items(), key=lambda kv: min(order.get(n, 99) for n in kv[0])):
        source = p.consolidated if p.consolidated is not None else p.amounts
        done = {k for c, k in p.seen if c == (p.consolidated is not None)}
        fine = source["fine"] if "fine" in done else None
        confiscation = source["confiscation"] if "confiscation" in done else None
        total = source["total"] if "total" in done else None
        if fine == 0:
            fine = None
        if confiscation == 0:
            confiscation = None
        pieces = p.pieces
        if p.consolidated is not None:  # per-violation items give way to the consolidated list
            pieces = [(n, t) for n, t in pieces if n >= p.first_consolidated
                      or not re.search(r"罚款|没收", t)]
        penalty_text = _render(pieces)
        kinds = _kinds(penalty_text, fine, confiscation, total)
        if not kinds and not (fine or confiscation or total):
            continue  # named in the decision part, but nothing imposed (免予处罚)
        out.append({
            "party_name": "、".join(key),
            "joint": len(key) > 1,
            "party_kind": "natural_person" if len(key) == 1 and any(
                q["person"] for q in parties if q["name"] == key[0]) else None,
            "penalty_text": penalty_text or None,
            "penalty_kinds": kinds,
            "fine_amount": _money(fine),
            "confiscation_amount": _money(confiscation),
            "total_amount": _money(total) if total else None,
        })
    return {
        "title": "行政处罚决定书",
        "decision_number": _parse_decision_number(lines, title),
        "authority_name": AUTHORITY,
        "decision_date": _parse_decision_date(lines),
        "party_names": [p["name"] for p in parties],
        "decision_text": section.strip() or None,
        "parties": out,
    }


def _render(pieces: list[tuple[int, str]]) -> str:
    """Pieces of one unit joined by commas, units by line breaks."""
    lines: list[str] = []
    last = None
    for number, piece in pieces:
        piece = piece.strip(" ，,；;。")
        if number == last:
            lines[-1] += "，" + piece
        else:
            lines.append(piece)
        last = number
    return "\n".join(line + "。" for line in lines)


def parse_party(text: str, party_name: str | None = None, title: str | None = None) -> dict:
    """The indexer's record for one party of a CSRC decision (``party_name`` as the spider
    gave it); without a party name, or one the decision part does not penalize, the
    whole decision's penalty part."""
    general = cn_decision.parse(_clean(text))
    own = parse(text, title)
    record = dict(general)
    record.update(
        title=own["title"],
        decision_number=own["decision_number"] or general.get("decision_number"),
        authority_name=own["authority_name"],
        decision_date=own["decision_date"],
        party_id=None,
    )
    match = next((p for p in own["parties"] if p["party_name"] == party_name), None)
    if match is None:
        record.update(party_name=party_name, party_kind=None,
                      penalty_text=own["decision_text"] or general.get("penalty_text"))
        return record
    record.update(
        party_name=match["party_name"],
        party_kind=match["party_kind"],
        penalty_text=match["penalty_text"],
        penalty_kinds=match["penalty_kinds"],
        fine_amount=match["fine_amount"],
        confiscation_amount=match["confiscation_amount"],
        total_amount=match["total_amount"],
    )
    return record
