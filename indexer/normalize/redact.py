"""Mask natural persons' identifiers in the text the archive shows.

``mask_personal(text, person_names=())`` applies these rules (a masked character is
``*``; number masks keep the length so the text's layout stays):

* Resident ID numbers (居民身份证号码): 18 characters (17 digits + digit or X) or the old
  15 digits, recognised by their structure (a province code 11-82 in the first two digits
  and a real birth date at positions 7-14, resp. 7-12).  The first 6 digits (the
  issuing county's area code, not personal) are kept, the rest masked:
  ``130628199001011234`` -> ``130628************``.
* Mobile numbers ``1[3-9]x xxxx xxxx`` (also written with spaces or hyphens): the first 3
  and last 4 digits kept, ``138****1234``.
* Landlines with an area code (``0312-6612345``, ``(0312)6612345``, ``0312 6612345``):
  area code and last 2 digits kept, ``0312-*****45``.  Service numbers (400/800) are kept.
* Bank card / account numbers, 16-19 digits (also in groups of 4): the last 4 digits kept.
  Not masked when labelled as an order, case or other reference number (订单号, 编号,
  文号, ...) or when the account is a public collection account (财政, 国库, 非税, 人民
  银行 named just before it): those identify no person.
* Addresses after 住址 / 家庭住址 / 现住址 / 户籍地(址) / 居住地(址) (always a person's) and
  after 住所 / 住所（住址） / 联系地址 / 送达地址 when they belong to a person: the nearest
  party line before the label names an individual business or a natural person
  (``party_kind``), or a person's marker (身份证, 经营者：name, 性别, 出生) comes after the
  last company marker (统一社会信用代码, 有限公司, 法定代表人).  The province / city /
  county part (found with the region table of ``authorities``) is kept and the rest of the
  address, up to the end of the line or the next label (and a short wrapped line after
  it), becomes ``***``.  Addresses in running text (对位于...的) are not recognised.
* ``person_names``: each full name given is masked to its surname and one ``*``
  (李小祥 -> 李*), wherever it occurs.

Never masked: unified social credit codes (letters in them, or no valid ID structure),
15-digit registration numbers, decision numbers, amounts, dates, or what the publisher
already masked (``13062819***************`` stays as printed: digits touching a ``*`` are
part of a masked token and are left alone).  Known limit: when the PDF text layer prints
all labels first and all values after them, an address value is no longer next to its
label and is not found.

**Which names are masked** (``names_to_mask(party_name, party_kind, text)``, tables in
``data/masking.yaml``): a natural person named in a decision is shown as surname + ``*``
(张*) unless the decision names them as the operator or representative of a business
(经营者：张三, 法定代表人：张三: the name of an individual business's operator is public in
the business registration) or in an office (时任某公司董事长, 涉案项目签字注册会计师: the
directors, supervisors, managers, controllers and signing professionals securities
decisions hold to account).  The persons are the party when its kind is
``natural_person``, and every entry ``姓名，男/女，...`` of the text.  ``mask_names(text,
names)`` applies the result wherever a name occurs (a masked name inside a kept one, 蒋伟 in
蒋伟民, stays).  Names the publisher printed masked (张某, 张**) stay as printed.

``propagate_masks(text, masked_name)``: when the publisher prints a person as ``吴*`` or
``李**``, full names in the body with the same surname and length (``吴某``, ``李小祥``)
are masked the same way.  A candidate counts as that person's name when it occurs in a
name position at least once (after 当事人 / 经营者 / 负责人 / 法定代表人 / 姓名 / 业主 /
委托代理人, optionally with a colon, and followed by punctuation or 的身份证; or right
before 的身份证 / 身份证 / 本人), is no place name and not followed by 市/县/店..., or it is
the placeholder form (李某某); every occurrence of a confirmed name is then masked.
"""

from __future__ import annotations

import datetime as _dt
import re
from functools import lru_cache
from pathlib import Path

import yaml

from indexer.normalize.parties import party_kind

MASK = "*"
_HAN = r"\u3400-\u4dbf\u4e00-\u9fff"
_PROVINCE_PREFIXES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82", "83",
}
# digits, not touching other digits, letters or the publisher's mask characters
_NUM_LEFT = r"(?<![0-9A-Za-z*＊])"
_NUM_RIGHT = r"(?![0-9A-Za-z*＊])"
_ID18 = re.compile(_NUM_LEFT + r"(\d{17}[\dXx])" + _NUM_RIGHT)
_ID15 = re.compile(_NUM_LEFT + r"(\d{15})" + _NUM_RIGHT)
_MOBILE = re.compile(_NUM_LEFT + r"(1[3-9]\d)([\s-]?)(\d{4})([\s-]?)(\d{4})" + _NUM_RIGHT)
_LANDLINE = re.compile(
    _NUM_LEFT + r"(\(0\d{2,3}\)|（0\d{2,3}）|0\d{2,3}[-－\s])(\s?)(\d{7,8})" + _NUM_RIGHT)
_BANK = re.compile(_NUM_LEFT + r"(\d{4}(?:\s\d{4}){3}(?:\s?\d{1,3})?|\d{16,19})" + _NUM_RIGHT)
_REFERENCE_LABELS = ("订单号", "订单编号", "单号", "编号", "文号", "案号", "流水号", "批号",
                     "注册号", "信用代码", "许可证号", "条码", "序列号", "交易号", "识别号")
_PUBLIC_ACCOUNT = ("财政", "国库", "非税", "人民银行", "市场监督管理局", "罚没")

_PERSON_ADDRESS = r"家庭住址|现住址|户籍地址|户籍地|居住地址|居住地|住址"
_PARTY_ADDRESS = r"住所\s*[（(]\s*住址\s*[）)]|住所|联系地址|送达地址|通讯地址|地址"
# a person's address also without a colon: 住址为北京市..., 住址辽宁省... (CSRC decisions)
_ADDRESS = re.compile(
    rf"(?P<label>{_PARTY_ADDRESS}|{_PERSON_ADDRESS})\s*[：:]\s*(?P<value>[^\n]*)"
    rf"|(?P<plabel>{_PERSON_ADDRESS})(?:为|是)?(?P<pvalue>[{_HAN}][^\n]*)")
_NEXT_LABEL = re.compile(rf"\s+[{_HAN}（）()、]{{2,12}}[：:]|[。；;，,]")
_NEXT_CLAUSE = re.compile(r"[，,。；;]")
_ADDRESS_WORDS = re.compile(r"\d+\s*(?:号|室|幢|栋|弄|组)|[路街巷村]\S*\d")
_CONTINUATION = re.compile(r"\n([^\n：:。]{1,12})(?=\n|$)")
_PERSON_MARKERS = re.compile(r"身份证|公民身份号码|性别|出生|民族|经营者[：:]|姓名")
_ORG_MARKERS = re.compile(r"统一社会信用代码|注册号|有限公司|有限责任公司|法定代表人[：:]")
_PARTY_LINE = re.compile(r"当事人(?:名称)?\s*[：:]\s*([^\n，,；;]+)")

_NAME_CONTEXT = (r"(?:当事人|经营者|负责人|法定代表人|代表人|姓名|业主|委托代理人|代理人|"
                 r"现场负责人|管理者|店主)\s*[：:]?\s*")
_NAME_AFTER = r"(?=的?身份证|本人|[（(]身份证)"


def _valid_birth(s: str) -> bool:
    try:
        d = _dt.date(int(s[:4]), int(s[4:6]), int(s[6:8]))
    except ValueError:
        return False
    return 1900 <= d.year <= _dt.date.today().year


def _is_id18(s: str) -> bool:
    if s[:2] not in _PROVINCE_PREFIXES or not _valid_birth(s[6:14]):
        return False
    # the check digit is not required: a mistyped one still identifies a person
    return s[:17].isdigit()


def _is_id15(s: str) -> bool:
    return s[:2] in _PROVINCE_PREFIXES and _valid_birth("19" + s[6:12])


def _before(text: str, pos: int, width: int) -> str:
    return text[max(0, pos - width):pos]


def _mask_ids(text: str) -> str:
    def id18(m):
        s = m[1]
        if not _is_id18(s) or any(lbl in _before(text, m.start(), 12)
                                  for lbl in ("信用代码", "注册号", "订单")):
            return s
        return s[:6] + MASK * 12

    def id15(m):
        s = m[1]
        if not _is_id15(s) or any(lbl in _before(text, m.start(), 12)
                                  for lbl in ("信用代码", "注册号", "订单", "编号")):
            return s
        return s[:6] + MASK * 9

    text = _ID18.sub(id18, text)
    return _ID15.sub(id15, text)


def _mask_phones(text: str) -> str:
    text = _MOBILE.sub(lambda m: m[1] + m[2] + MASK * 4 + m[4] + m[5], text)

    def landline(m):
        area = re.sub(r"\D", "", m[1])
        if area.startswith(("0400", "0800")):
            return m[0]
        return m[1] + m[2] + MASK * (len(m[3]) - 2) + m[3][-2:]

    return _LANDLINE.sub(landline, text)


def _mask_banks(text: str) -> str:
    def bank(m):
        before = _before(text, m.start(), 40)
        if any(lbl in before[-14:] for lbl in _REFERENCE_LABELS):
            return m[0]
        if any(word in before for word in _PUBLIC_ACCOUNT):
            return m[0]
        digits = [c for c in m[0] if c.isdigit()]
        keep = len(digits) - 4
        out, seen = [], 0
        for c in m[0]:
            if c.isdigit():
                out.append(MASK if seen < keep else c)
                seen += 1
            else:
                out.append(c)
        return "".join(out)

    return _BANK.sub(bank, text)


def _address_is_personal(text: str, label: str, pos: int) -> bool:
    if re.fullmatch(_PERSON_ADDRESS, label):
        return True
    window = _before(text, pos, 300)
    person = [m.end() for m in _PERSON_MARKERS.finditer(window)]
    org = [m.end() for m in _ORG_MARKERS.finditer(window)]
    if person and (not org or person[-1] > org[-1]):
        return True
    parties = list(_PARTY_LINE.finditer(window))
    if parties:
        return party_kind(parties[-1][1].strip()) in ("individual_business", "natural_person")
    return False


def _keep_region_prefix(value: str) -> int:
    """Length of the province / city / county prefix of an address."""
    from indexer.normalize.authorities import match_places  # heavy table: load lazily

    _, spans = match_places(value)
    end = 0
    for start, stop in spans:
        if start != end:  # places must follow each other from the start
            break
        end = stop
    return end


def _mask_addresses(text: str) -> str:
    out, last = [], 0
    for m in _ADDRESS.finditer(text):
        group = "value" if m["label"] else "pvalue"
        label = m["label"] or m["plabel"]
        value_start = m.start(group)
        value = m[group]
        stop = (_NEXT_LABEL if m["label"] else _NEXT_CLAUSE).search(value)
        if stop:
            value = value[:stop.start()]
        else:  # an address wrapped by the PDF: a short next line without a label
            nxt = _CONTINUATION.match(text, m.end()) if m["label"] else None
            if nxt and value.strip():
                value = text[value_start:nxt.end()]
        if not value.strip() or set(value.strip()) <= {"*", "＊", " "}:
            continue
        if not _address_is_personal(text, label, m.start()):
            continue
        keep = _keep_region_prefix(value)
        rest = value[keep:]
        if not rest.strip(" *＊"):
            continue
        out.append(text[last:value_start + keep])
        out.append(MASK * 3)
        last = value_start + len(value)
    out.append(text[last:])
    return "".join(out)


@lru_cache(maxsize=1)
def _masking_tables() -> dict:
    with open(Path(__file__).parent / "data" / "masking.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _mask_entry_addresses(text: str) -> str:
    """An address written into a person's entry without a label (陈某，女，1961年出生，
    时任董事，四川省内江市碑木镇某厂2幢38号): a clause that begins with a place and has a
    house number keeps the place, the rest becomes ***."""
    out, last = [], 0
    for m in _person_entry().finditer(text):
        start = m.start("desc")
        for clause in re.finditer(r"[^，,]+", m["desc"]):
            value = clause[0]
            keep = _keep_region_prefix(value.strip())
            if keep and _ADDRESS_WORDS.search(value[keep:]):
                lead = len(value) - len(value.lstrip())
                out.append(text[last:start + clause.start() + lead + keep])
                out.append(MASK * 3)
                last = start + clause.end()
    out.append(text[last:])
    return "".join(out)


def _mask_name(name: str) -> str:
    """张三 -> 张*, 欧阳娜娜 -> 欧阳*: the surname and one mask (the length is not told)."""
    surname = name[:2] if name[:2] in _masking_tables()["compound_surnames"] else name[:1]
    return surname + MASK


_PERSON_NAME = rf"[{_HAN}]{{2,4}}|[{_HAN}]{{1,8}}[·•・][{_HAN}]{{1,12}}"


@lru_cache(maxsize=1)
def _person_entry():
    labels = "|".join(map(re.escape, _masking_tables()["operator_labels"]))
    # 姓名，男/女，description (a boundary before it; the description runs to 。；or a line end)
    return re.compile(
        rf"(?<![^\n。；;：:，,、\s])(?:(?P<label>{labels})\s*[：:]\s*)?"
        rf"(?P<name>{_PERSON_NAME})\s*[，,\s]\s*(?:性别\s*[：:]?\s*)?[男女](?![{_HAN}])"
        rf"(?P<desc>[^。；;\n]{{0,160}})")


@lru_cache(maxsize=1)
def _offices():
    return re.compile("|".join("(?:%s)" % w for w in _masking_tables()["offices"]))


def names_to_mask(party_name, kind, text="") -> dict:
    """{full name: masked form, or None for a name the rule keeps} (module docstring)."""
    offices = _offices()
    names: dict = {}
    for m in _person_entry().finditer(text or ""):
        keep = bool(m["label"]) or bool(offices.search(m["desc"]))
        if keep or names.get(m["name"], "") is not None:  # kept once, kept everywhere
            names[m["name"]] = None if keep else _mask_name(m["name"])
    if kind == "natural_person":
        for part in re.split(r"[;；、]", party_name or ""):
            part = part.strip()
            if re.fullmatch(_PERSON_NAME, part) and "某" not in part and part not in names \
                    and not re.search("以下简称[“\"]?" + re.escape(part), text or ""):
                names[part] = _mask_name(part)  # (an abbreviation defined is a firm's)
    return names


def mask_names(text, names):
    """Each name the rule masks replaced by its masked form, wherever it occurs."""
    if not text or not any(names.values()):
        return text
    pattern = "|".join(map(re.escape, sorted(names, key=len, reverse=True)))
    return re.sub(pattern, lambda m: names[m[0]] or m[0], text)


_DIGIT_RUN = re.compile(r"\d+")


def mask_personal(text: str, person_names=()) -> str:
    if not text:
        return text or ""
    text = _mask_addresses(text)
    text = _mask_entry_addresses(text)
    # a number is masked only where its digits are there: an ID number has 15 or more in a
    # row, a phone number 4 or more (its last 4), a bank number 16 in a row or 4 groups of
    # 4; masking only shortens the runs of digits, so those without them are not searched
    runs = [len(run) for run in _DIGIT_RUN.findall(text)]
    longest = max(runs, default=0)
    if longest >= 15:
        text = _mask_ids(text)
    if longest >= 4:
        text = _mask_phones(text)
    if longest >= 16 or sum(run >= 4 for run in runs) >= 4:
        text = _mask_banks(text)
    names = {n.strip(): _mask_name(n.strip()) for n in person_names or ()
             if n and len(n.strip()) >= 2 and MASK not in n}
    return mask_names(text, names)


_ORG_SUFFIX = set("市县区镇乡村省州旗盟路街巷店厂司局院校所部行馆社")


def _looks_like_place_or_org(candidate: str, next_char: str) -> bool:
    """吴忠市 / 吴忠 (a place), 李庄村 (李庄 + 村): not a person's name."""
    from indexer.normalize.authorities import gazetteer

    names = gazetteer().names
    if candidate in names or candidate + next_char in names:
        return True
    return next_char in _ORG_SUFFIX or candidate[-1] in _ORG_SUFFIX


def propagate_masks(text: str, masked_name: str) -> str:
    if not text or not masked_name:
        return text or ""
    m = re.fullmatch(rf"([{_HAN}]{{1,2}})([*＊]+)", masked_name.strip())
    if not m:
        return text
    surname, stars = m[1], len(m[2])
    candidate = rf"{re.escape(surname)}[{_HAN}]{{{stars}}}"
    confirmed = set()
    for c in re.finditer(_NAME_CONTEXT + rf"({candidate})(?:(?![{_HAN}])|{_NAME_AFTER})", text):
        if not _looks_like_place_or_org(c[1], text[c.end(1):c.end(1) + 1]):
            confirmed.add(c[1])
    for c in re.finditer(rf"({candidate}){_NAME_AFTER}", text):
        if not _looks_like_place_or_org(c[1], ""):
            confirmed.add(c[1])
    for c in re.finditer(rf"{re.escape(surname)}某{{{stars}}}", text):
        confirmed.add(c[0])
    replacement = surname + MASK * stars
    for name in sorted(confirmed, key=len, reverse=True):
        text = text.replace(name, replacement)
    return text
