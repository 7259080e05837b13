"""Do a list row and the document served for it describe the same decision?

Some sources serve, now and then, the document of another decision than the list row asked
for (the market-regulation portal's document API has answered a row 芜市监处罚〔2026〕6-85号
with the PDF of 滁市监综执罚〔2025〕511号).  The document must then not speak for the row:
``disagreement`` compares decision numbers and parties in a form that ignores how they are
typeset, and says what differs.
"""

import re
import unicodedata

_BRACKETS = str.maketrans({c: "〔" for c in "[【（(［〖"} | {c: "〕" for c in "]】）)］〗"})
_NOISE = re.compile(r"[\s\u3000·•．.、,，:：;；\"'“”‘’《》<>]|第")
_PARTY_NOISE = re.compile(r"[\s\u3000()（）［］\[\]【】\"'“”‘’·•．.,，、:：]")


def number_key(number):
    """A decision number as compared: width, brackets, spaces and 第 do not count."""
    text = unicodedata.normalize("NFKC", number or "").translate(_BRACKETS)
    return _NOISE.sub("", text).replace("〔", "").replace("〕", "").lower()


def party_key(name):
    return _PARTY_NOISE.sub("", unicodedata.normalize("NFKC", name or "")).lower()


def disagreement(listed, parsed):
    """What the list row (``listed``) and the document's parsed fields (``parsed``)
    disagree on, or None.  Two decisions differ in number and party: a number the list and
    the document write differently for the same party is one decision (authorities list
    a case under one serial and print another, as 吉水县's 〔2026〕27号 / 价处罚〔2026〕1号
    in the corpus), and a masked name (吴*) agrees with the name it masks."""
    number, other_number = (number_key(listed.get("decision_number")),
                            number_key(parsed.get("decision_number")))
    party, other_party = party_key(listed.get("party_name")), party_key(parsed.get("party_name"))
    same_number = None if not (number and other_number) else (
        number.endswith(other_number) or other_number.endswith(number))
    same_party = None if not (party and other_party) else _same_party(party, other_party)
    if same_number is False and same_party is not True:
        return "decision number %s in the list, %s in the document" % (
            listed["decision_number"], parsed["decision_number"])
    if same_number is None and same_party is False:
        return "party %s in the list, %s in the document" % (
            listed["party_name"], parsed["party_name"])
    return None


def _same_party(a, b):
    """The publisher's masks (吴*) stand for one or more characters."""
    return a in b or b in a or bool(_masked(a).match(b) or _masked(b).match(a))


def _masked(name):
    return re.compile("".join(".+" if c == "*" else re.escape(c) for c in name) + "$")
