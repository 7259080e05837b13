"""Languages of the website (Chinese and English), labels, and locale-aware formatting.

The language is, in order: a ``lang`` request parameter (which is then kept in a cookie),
the ``lang`` cookie, the browser's Accept-Language, English.  No JavaScript is involved:
the language switch is a plain link to the same page with ``lang=``.

Messages live in ``webapp/translations/<lang>/LC_MESSAGES/messages.po`` (English is the
source language, so its catalog is empty); the compiled ``.mo`` files are committed, and
``make translations`` re-extracts, updates and compiles them.  A ``.mo`` that is missing or
older than its ``.po`` is compiled when the app starts (where the folder is writable).

Labels of data values are data: violation types in the normalizer's taxonomy table
(``indexer/normalize/data/taxonomy.yaml``) and, for its top-level groups,
``translations/taxonomy.yaml``; region
names in ``translations/regions.yaml`` (English) and the normalizer's ``cn_regions.csv``
(Chinese); penalty and party kinds are messages in the catalogs.
"""

import csv
import logging
import os
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from urllib.parse import urlencode

import yaml
from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import get_group_symbol
from flask import g, request
from flask_babel import Babel, format_currency, format_date, format_decimal, get_locale
from flask_babel import lazy_gettext as _l

log = logging.getLogger(__name__)

LANGUAGES = {"zh": "中文", "en": "English"}
DEFAULT_LANGUAGE = "en"
COOKIE = "lang"
HERE = os.path.dirname(os.path.abspath(__file__))
TRANSLATIONS = os.path.join(HERE, "translations")
REGIONS_CSV = os.path.join(os.path.dirname(HERE), "indexer", "normalize", "data",
                           "cn_regions.csv")

PENALTY_LABELS = {
    "warning": _l("Warning"),
    "fine": _l("Fine"),
    "confiscation_of_illegal_gains": _l("Confiscation of illegal gains"),
    "confiscation_of_property": _l("Confiscation of property"),
    "order_to_rectify": _l("Order to rectify"),
    "suspension": _l("Suspension"),
    "license_revocation": _l("Licence revocation"),
    "app_removal": _l("App removal"),
    "no_penalty": _l("No penalty"),
}
PARTY_KIND_LABELS = {
    "company": _l("Companies"),
    "individual_business": _l("Individual businesses"),
    "natural_person": _l("Natural persons"),
    "public_body": _l("Public bodies"),
    "other": _l("Other parties"),
    None: _l("Kind unknown"),
}
STATUS_LABELS = {"active": _l("active"), "withdrawn": _l("withdrawn"),
                 "publicity_expired": _l("no longer publicised")}
ROLE_LABELS = {"violated": _l("violated"), "basis": _l("basis of the penalty")}


def select_language():
    chosen = getattr(g, "chosen_language", None)
    if chosen:
        return chosen
    cookie = request.cookies.get(COOKIE)
    if cookie in LANGUAGES:
        return cookie
    return request.accept_languages.best_match(list(LANGUAGES), DEFAULT_LANGUAGE)


def compile_catalogs(folder=TRANSLATIONS, force=False):
    """Compile each messages.po to messages.mo where the .mo is missing or stale."""
    compiled = []
    for lang in LANGUAGES:
        po = os.path.join(folder, lang, "LC_MESSAGES", "messages.po")
        mo = po[:-3] + ".mo"
        if not os.path.exists(po):
            continue
        if not force and os.path.exists(mo) and os.path.getmtime(mo) >= os.path.getmtime(po):
            continue
        try:
            with open(po, "rb") as f:
                catalog = read_po(f, locale=lang)
            tmp = mo + ".tmp"
            with open(tmp, "wb") as f:
                write_mo(f, catalog)
            os.replace(tmp, mo)
            compiled.append(mo)
        except OSError as exc:  # an installed, read-only package keeps its shipped .mo
            log.warning("could not compile %s: %s", po, exc)
    return compiled


def init_app(app):
    compile_catalogs()
    Babel(app, locale_selector=select_language, default_locale=DEFAULT_LANGUAGE,
          default_translation_directories=TRANSLATIONS)

    @app.before_request
    def choose_language():
        lang = request.args.get("lang")
        g.chosen_language = lang if lang in LANGUAGES else None

    @app.after_request
    def remember_language(response):
        lang = getattr(g, "chosen_language", None)
        if lang and request.cookies.get(COOKIE) != lang:
            response.set_cookie(COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax",
                                httponly=True)
        if lang or "text/html" in (response.content_type or ""):
            response.vary.add("Cookie")
            response.vary.add("Accept-Language")
        return response

    app.jinja_env.filters.update(
        date=format_iso_date, amount=format_amount, number=format_number,
        penalty_label=lambda v: PENALTY_LABELS.get(v, v),
        party_kind_label=lambda v: PARTY_KIND_LABELS.get(v, v),
        status_label=lambda v: STATUS_LABELS.get(v, v),
        role_label=lambda v: ROLE_LABELS.get(v, v),
        type_label=type_label, region_label=region_label)
    app.jinja_env.globals.update(LANGUAGES=LANGUAGES, current_language=current_language,
                                 language_url=language_url, html_lang=html_lang)


def current_language():
    return str(get_locale() or DEFAULT_LANGUAGE)


def html_lang():
    return "zh-Hans" if current_language() == "zh" else "en"


def language_url(lang):
    """The current page in another language (a plain link: works without JavaScript)."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    args.append(("lang", lang))
    return request.path + "?" + urlencode(args)


# -- formatting ----------------------------------------------------------------------------

def format_iso_date(value, fmt="medium"):
    """An ISO date (or date-time) string in the reader's language; '' for nothing."""
    if not value:
        return ""
    try:
        if isinstance(value, (date, datetime)):
            parsed = value
        elif len(str(value)) > 10:
            parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00")).date()
        else:
            parsed = date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return format_date(parsed, fmt)


def to_decimal(value):
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def format_amount(value, currency=None):
    """A decimal amount string with its currency, formatted for the reader's language."""
    number = to_decimal(value)
    if number is None:
        return ""
    if not currency:
        return format_decimal(number)
    try:
        return format_currency(number, currency)
    except (UnknownLocaleError, ValueError):
        return "%s %s" % (currency, format_decimal(number))


@lru_cache(maxsize=8)
def _group_symbol(lang):
    return get_group_symbol(lang)


def format_number(value):
    """A number for the reader's language; whole numbers (counts) on a fast path."""
    if isinstance(value, int) and not isinstance(value, bool):
        return "{:,}".format(value).replace(",", _group_symbol(current_language()))
    number = to_decimal(value)
    return "" if number is None else format_decimal(number)


# -- data labels ---------------------------------------------------------------------------

TAXONOMY_YAML = os.path.join(os.path.dirname(HERE), "indexer", "normalize", "data",
                             "taxonomy.yaml")


@lru_cache(maxsize=1)
def taxonomy():
    """{code: {en, zh, meaning?}} in display order: each group, then the codes below it."""
    with open(os.path.join(TRANSLATIONS, "taxonomy.yaml"), encoding="utf-8") as f:
        groups = yaml.safe_load(f) or {}
    try:
        with open(TAXONOMY_YAML, encoding="utf-8") as f:
            codes = yaml.safe_load(f) or {}
    except FileNotFoundError:
        codes = {}
    out = {}
    for group, labels in groups.items():
        out[group] = labels
        out.update((c, v) for c, v in codes.items() if c.startswith(group + "."))
    out.update((c, v) for c, v in codes.items() if c not in out)
    return out


def type_label(code, lang=None):
    lang = lang or current_language()
    entry = taxonomy().get(code)
    if not entry:
        return code
    return entry.get(lang) or entry.get("en") or code


@lru_cache(maxsize=1)
def _region_names():
    names = {"en": {}, "zh": {}}
    with open(os.path.join(TRANSLATIONS, "regions.yaml"), encoding="utf-8") as f:
        names["en"].update(yaml.safe_load(f) or {})
    try:
        with open(REGIONS_CSV, encoding="utf-8") as f:
            for row in csv.DictReader(f):
                if row.get("level") == "province":
                    names["zh"][row["code"]] = row["name"]
    except FileNotFoundError:
        pass
    return names


def region_label(code, lang=None):
    if not code:
        return ""
    lang = lang or current_language()
    if "-" not in code:
        try:
            return Locale.parse(lang).territories.get(code, code)
        except (UnknownLocaleError, ValueError):
            return code
    return _region_names().get(lang, {}).get(code) or _region_names()["en"].get(code) or code
