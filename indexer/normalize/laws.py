"""Law texts as data: the articles of the laws the taxonomy's tables cite, by version.

``data/laws/<law>.yaml`` holds, for a law (its canonical name, as in
``data/law_aliases.yaml``), each version the archive has: when it was adopted, from when
to when it was in force, where the text comes from, and its articles (number -> text,
paragraphs separated by newlines).

``version_on(law, day)``
    The version in force on ``day`` (ISO date), or None (no text of that version here).
``article(law, number, day=None)``
    ``{"law", "article", "text", "adopted", "effective", "until"}`` of that article in the
    version in force on ``day`` (the newest version without a day), or None.

The texts are public law texts. They were converted from the Markdown files of the
LawRefBook/Laws collection (which takes them from the national database of laws and
regulations, flk.npc.gov.cn) by ``python -m indexer.normalize.laws import DIR``, which
reads ``data/laws/sources.yaml`` (law -> file, adoption and in-force dates) and rewrites
the YAML files; nothing is fetched at run time.
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from pathlib import Path

import yaml

from indexer.normalize.amounts import cn_number

FOLDER = Path(__file__).parent / "data" / "laws"
_ARTICLE = re.compile(r"^第([〇零一二三四五六七八九十百千两\d]+)条(?:之([一二三四五六七八九十]+))?\s*(.*)$")


@lru_cache(maxsize=1)
def texts() -> dict:
    """{law: [version, ...]} newest version first."""
    out = {}
    for path in sorted(FOLDER.glob("*.yaml")):
        if path.name == "sources.yaml":
            continue
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f)
        out[data["law"]] = sorted(data["versions"], key=lambda v: str(v["effective"]),
                                  reverse=True)
    return out


def version_on(law: str, day: str | None = None) -> dict | None:
    versions = texts().get(law) or []
    if not day:
        return versions[0] if versions else None
    for version in versions:
        if str(version["effective"]) <= day and (not version.get("until")
                                                 or day <= str(version["until"])):
            return version
    return None


def article(law: str | None, number: str | None, day: str | None = None) -> dict | None:
    version = version_on(law, day) if law and number else None
    if not version or str(number) not in version["articles"]:
        return None
    return {"law": law, "article": str(number), "text": version["articles"][str(number)],
            "adopted": str(version["adopted"]), "effective": str(version["effective"]),
            "until": str(version["until"]) if version.get("until") else None}


# -- conversion from LawRefBook Markdown --------------------------------------------------------

def parse_markdown(text: str) -> dict:
    """{article number: text} of a LawRefBook law file (``第十三条 ...`` paragraphs)."""
    articles, current = {}, None
    body = text.split("<!-- INFO END -->", 1)[-1]
    for line in body.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = _ARTICLE.match(line)
        if m:
            number = str(int(cn_number(m.group(1)))) if not m.group(1).isdigit() \
                else m.group(1)
            if m.group(2):
                number += "-%d" % int(cn_number(m.group(2)))
            current = number
            articles[current] = [m.group(3).strip()] if m.group(3).strip() else []
        elif current:
            articles[current].append(line)
    return {number: "\n".join(parts) for number, parts in articles.items()}


def import_lawrefbook(root: str) -> list[str]:
    """Rewrite data/laws/<law>.yaml from a LawRefBook/Laws checkout; returns the files."""
    with open(FOLDER / "sources.yaml", encoding="utf-8") as f:
        sources = yaml.safe_load(f)
    written = []
    for law, versions in sources.items():
        out = {"law": law, "versions": []}
        for version in versions:
            with open(Path(root) / version["file"], encoding="utf-8") as f:
                articles = parse_markdown(f.read())
            out["versions"].append(dict({k: v for k, v in version.items() if k != "file"},
                                        source="LawRefBook/Laws " + version["file"],
                                        articles=articles))
        path = FOLDER / ("%s.yaml" % law)
        with open(path, "w", encoding="utf-8") as f:
            f.write("# %s: public law text by version (indexer/normalize/laws.py; generated "
                    "from sources.yaml)\n" % law)
            yaml.safe_dump(out, f, allow_unicode=True, sort_keys=False, width=1000)
        written.append(str(path))
    texts.cache_clear()
    return written


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "import":
        sys.exit("usage: python -m indexer.normalize.laws import LAWREFBOOK_DIR")
    for name in import_lawrefbook(sys.argv[2]):
        print(name)
