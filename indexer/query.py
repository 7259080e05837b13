"""The backend-neutral search query, validated from request parameters.

``Query.from_params(mapping)`` is the one place where user input becomes a query; every
store compiles a ``Query`` into its own engine's terms, never user text into a query
language.  A bad value raises ``QueryError`` naming the parameter, which the webapp turns
into a 400 and the API into a JSON error.
"""

import difflib
import re
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation

from indexer.schema import PENALTY_KINDS

SORTS = ("relevance", "newest", "oldest", "amount_desc", "amount_asc")
# Amount filters, amount sort and amount bands compare the record's converted total
# (``amount_cny``, ``amount_eur``, ``amount_usd``) in the query's currency.
CURRENCIES = ("CNY", "EUR", "USD")
DEFAULT_CURRENCY = "CNY"
# Lower bounds of the amount bands (facet and filter "amount"), in the query's currency.
# A band is half-open, [low, next low): "1000-10000" holds 1,000 but not 10,000.
AMOUNT_BANDS = (0, 1000, 10000, 100000, 1000000, 10000000)
BAND_KEYS = tuple("%d-%s" % (low, high or "")
                  for low, high in zip(AMOUNT_BANDS, AMOUNT_BANDS[1:] + (None,)))
# Facet values of their own for what is not known: no violation type, no amount.
TYPE_NONE = "none"
AMOUNT_UNKNOWN = "unknown"
MAX_AMOUNT = Decimal(10) ** 15  # larger than any fine; floats stay exact enough below it
MAX_TYPES = 10  # "type" values in one query
MAX_REPEAT = 10  # any parameter given more often is an error
# The filters a facet value selects: facet name -> Query attribute.
FACET_FILTERS = {"type": "types", "authority": "authority", "region": "region",
                 "jurisdiction": "jurisdiction", "year": "year", "penalty": "penalty",
                 "amount": "amount", "source": "source"}
# ``name:value`` (or ``name:"two words"``) inside ``q`` is the filter ``name``.
Q_FIELDS = ("type", "authority", "region", "jurisdiction", "party", "penalty", "source", "year",
            "from", "to")
MAX_PAGE_SIZE = 100
MAX_PAGE = 1000
MAX_Q_LENGTH = 500
_TYPE_RE = re.compile(r"^[a-z]+(\.[a-z_]+)*$")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
PARAMS = ("q", "type", "authority", "region", "jurisdiction", "source", "penalty", "party",
          "year", "from", "to", "min_amount", "max_amount", "amount", "currency", "sort",
          "page", "page_size")
_SOURCE_RE = re.compile(r"^[a-z0-9_]+$")
_REGION_RE = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")
_JURISDICTION_RE = re.compile(r"^[A-Z]{2}$")
_PHRASE_RE = re.compile(r'"([^"]*)"|(\S+)')
_FIELD_RE = re.compile(r'(?<!\S)(%s):(?:"([^"]*)"|(\S+))' % "|".join(Q_FIELDS))


class QueryError(ValueError):
    """A request parameter that cannot be used, with the parameter's name."""

    def __init__(self, param, message):
        super().__init__("%s: %s" % (param, message))
        self.param = param
        self.message = message


@dataclass(frozen=True)
class Query:
    q: str = ""
    types: tuple = ()
    # Decisions of these types match the words too (``q`` OR type): how a Chinese phrase
    # that names a type finds the decisions of that type in other languages.
    also_types: tuple = ()
    authority: str = ""
    region: str = ""
    jurisdiction: str = ""
    source: str = ""
    penalty: str = ""
    party: str = ""
    year: int = None
    date_from: str = None
    date_to: str = None
    min_amount: Decimal = None
    max_amount: Decimal = None
    amount: str = ""  # a band key (BAND_KEYS) or AMOUNT_UNKNOWN
    currency: str = DEFAULT_CURRENCY
    sort: str = "relevance"
    page: int = 1
    page_size: int = 20
    filters_only: bool = field(default=False, compare=False)
    literal: bool = False  # q as typed, not read with the bilingual glossary

    @property
    def terms(self):
        """The free text as a list of phrases: quoted text stays one phrase."""
        return [m.group(1) if m.group(1) is not None else m.group(2)
                for m in _PHRASE_RE.finditer(self.q) if (m.group(1) or m.group(2) or "").strip()]

    @property
    def amount_field(self):
        """The record field that amount filters, sort and bands compare."""
        return "amount_" + self.currency.lower()

    @property
    def offset(self):
        return (self.page - 1) * self.page_size

    def with_page(self, page):
        return replace(self, page=page)

    def to_params(self, **changes):
        """The query as request parameters (for links that keep the state)."""
        query = replace(self, **changes) if changes else self
        params = []
        for name, value in (("q", query.q), ("authority", query.authority),
                            ("region", query.region), ("jurisdiction", query.jurisdiction),
                            ("source", query.source),
                            ("penalty", query.penalty), ("party", query.party),
                            ("year", query.year), ("from", query.date_from),
                            ("to", query.date_to), ("min_amount", query.min_amount),
                            ("max_amount", query.max_amount), ("amount", query.amount)):
            if value not in (None, ""):
                params.append((name, str(value)))
        params.extend(("type", t) for t in query.types)
        if query.q:
            params.extend(("also_type", t) for t in query.also_types)
        if query.currency != DEFAULT_CURRENCY:
            params.append(("currency", query.currency))
        if query.sort != "relevance":
            params.append(("sort", query.sort))
        if query.page != 1:
            params.append(("page", str(query.page)))
        if query.page_size != 20:
            params.append(("page_size", str(query.page_size)))
        if query.literal and query.q:
            params.append(("literal", "1"))
        return params

    @classmethod
    def from_params(cls, params):
        """Build a Query from a mapping with ``get`` and ``getlist`` (werkzeug MultiDict).

        ``name:value`` words in ``q`` (``type:pi``, ``authority:"CNIL"``, ``year:2024``) are
        lifted out of the free text into the filter of that name; a bad one is reported as
        a bad ``q``.
        """
        getlist = getattr(params, "getlist", lambda name: [params[name]] if name in params else [])
        for name in PARAMS:
            given = getlist(name)
            if len(given) > MAX_REPEAT:
                raise QueryError(name, "given more than %d times" % MAX_REPEAT)
            if any(_CONTROL_RE.search(str(v)) for v in given):
                raise QueryError(name, "contains control characters")
            if name != "type" and len({str(v).strip() for v in given} - {""}) > 1:
                raise QueryError(name, "given more than once with different values")
        q = (params.get("q") or "").strip()
        if len(q) > MAX_Q_LENGTH:
            raise QueryError("q", "longer than %d characters" % MAX_Q_LENGTH)
        lifted = {}

        def lift(match):
            value = match.group(2) if match.group(2) is not None else match.group(3)
            lifted.setdefault(match.group(1), []).append(value)
            return " "

        q = " ".join(_FIELD_RE.sub(lift, q).split())

        def values(name):
            return [v.strip() for v in getlist(name) if v and v.strip()]

        def one(name):
            given = values(name)
            from_q = lifted.get(name, [])
            if len(from_q) > 1 or (given and from_q and from_q[0] != given[0]):
                raise QueryError("q", "%s given more than once" % name)
            return (given or from_q or [""])[0]

        def checked(name, check):
            """Run ``check(value)``; a value that came from q is reported as a bad q."""
            try:
                return check(one(name))
            except QueryError as error:
                if name in lifted and not values(name):
                    raise QueryError("q", "%s:%s" % (name, error.message)) from None
                raise

        types = tuple(dict.fromkeys(values("type") + lifted.get("type", [])))
        if len(types) > MAX_TYPES:
            raise QueryError("type", "more than %d values" % MAX_TYPES)
        for t in types:
            if not _TYPE_RE.match(t):
                raise QueryError("q" if t not in values("type") else "type",
                                 "not a taxonomy code: %r" % t)
        also_types = tuple(dict.fromkeys(values("also_type")))
        for t in also_types:
            if not _TYPE_RE.match(t):
                raise QueryError("also_type", "not a taxonomy code: %r" % t)
        source = checked("source", _pattern(_SOURCE_RE, "source", "not a source name"))
        region = checked("region", _pattern(_REGION_RE, "region", "not an ISO 3166 code"))
        jurisdiction = checked("jurisdiction", lambda v: _pattern(
            _JURISDICTION_RE, "jurisdiction", "not an ISO 3166-1 alpha-2 code")(v.upper()))
        penalty = checked("penalty", _choice("penalty", PENALTY_KINDS))
        sort = _choice("sort", SORTS)((params.get("sort") or "relevance").strip())
        currency = _choice("currency", CURRENCIES)(
            (params.get("currency") or DEFAULT_CURRENCY).strip().upper())
        year = checked("year", lambda v: _int(v, "year", 1900, 2100))
        date_from = checked("from", lambda v: _date(v, "from"))
        date_to = checked("to", lambda v: _date(v, "to"))
        if date_from and date_to and date_from > date_to:
            raise QueryError("from", "after 'to'")
        min_amount = _amount(params.get("min_amount"), "min_amount")
        max_amount = _amount(params.get("max_amount"), "max_amount")
        if min_amount is not None and max_amount is not None and min_amount > max_amount:
            raise QueryError("min_amount", "greater than max_amount")
        amount = (params.get("amount") or "").strip()
        if amount and amount not in BAND_KEYS + (AMOUNT_UNKNOWN,):
            raise QueryError("amount", unknown_value(amount, BAND_KEYS + (AMOUNT_UNKNOWN,)))
        literal = _choice("literal", ("0", "1"))((params.get("literal") or "").strip()) == "1"
        return cls(q=q, types=types, also_types=also_types if q else (), literal=literal,
                   authority=one("authority")[:200],
                   region=region, jurisdiction=jurisdiction, source=source, penalty=penalty,
                   party=one("party")[:200], year=year,
                   date_from=date_from, date_to=date_to, min_amount=min_amount,
                   max_amount=max_amount, amount=amount, currency=currency, sort=sort,
                   page=_int(params.get("page"), "page", 1, MAX_PAGE) or 1,
                   page_size=_int(params.get("page_size"), "page_size", 1, MAX_PAGE_SIZE) or 20)


def _pattern(regex, param, message):
    def check(value):
        if value and not regex.match(value):
            raise QueryError(param, "%s: %r" % (message, value))
        return value
    return check


def _choice(param, choices):
    def check(value):
        if value and value not in choices:
            raise QueryError(param, "one of " + ", ".join(choices))
        return value
    return check


def _int(value, param, low, high):
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise QueryError(param, "not a whole number: %r" % value) from None
    if not low <= number <= high:
        raise QueryError(param, "must be between %d and %d" % (low, high))
    return number


def _date(value, param):
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise QueryError(param, "not a date (YYYY-MM-DD): %r" % value) from None


def _amount(value, param):
    if value in (None, ""):
        return None
    if len(str(value)) > 40:
        raise QueryError(param, "longer than 40 characters")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise QueryError(param, "not a number: %r" % value) from None
    if not amount.is_finite() or amount < 0:
        raise QueryError(param, "must be a non-negative number")
    if amount > MAX_AMOUNT:
        raise QueryError(param, "must be at most %s" % f"{MAX_AMOUNT:f}")
    return amount


def band_bounds(key):
    """(low, high) of an amount band key; high is None for the open top band."""
    low, _, high = key.partition("-")
    return int(low), int(high) if high else None


def unknown_value(value, known):
    """The message for a value no decision can have, with the closest known ones."""
    close = difflib.get_close_matches(value, [str(k) for k in known], n=3, cutoff=0.5)
    message = "unknown value %r" % value
    return message + ("; did you mean %s?" % ", ".join(close) if close else "")


def check_known(query, known):
    """Raise QueryError for a filter value outside ``known`` ({param: values}); a type code
    is known when it or a code below it is."""
    for code in query.types:
        codes = known.get("type")
        if codes is not None and code != TYPE_NONE and not any(
                c == code or c.startswith(code + ".") for c in codes):
            raise QueryError("type", unknown_value(code, sorted(codes) + [TYPE_NONE]))
    for name in ("source", "region", "jurisdiction"):
        value = getattr(query, name)
        if value and name in known and value not in known[name]:
            raise QueryError(name, unknown_value(value, sorted(known[name])))


def toggled(query, facet, value):
    """The query with facet ``value`` selected, or deselected when it is; on page 1.

    Filters narrow: repeated types must all hold, and a type chosen under a selected
    parent replaces the parent (the parent holds wherever the child does).
    """
    attribute = FACET_FILTERS[facet]
    if facet == "type":
        if value in query.types:
            types = tuple(t for t in query.types if t != value)
        else:
            types = tuple(t for t in query.types if not value.startswith(t + ".")) + (value,)
        return replace(query, types=types, page=1)
    if is_selected(query, facet, value):
        return replace(query, **{attribute: None if facet == "year" else ""}, page=1)
    return replace(query, **{attribute: int(value) if facet == "year" else value}, page=1)


def is_selected(query, facet, value):
    current = getattr(query, FACET_FILTERS[facet])
    if facet == "type":
        return value in current
    return current not in (None, "") and str(current) == str(value)


def facet_choices(query, facets):
    """{facet: [(value, count, selected, toggled query)]} for the values a search's facets
    can offer as filters.  Each value's count is the total of its toggled query when it
    is not selected: a single-valued filter that is set offers only its own value (another
    value would replace it, not narrow the search), and values counted 0 are left out."""
    out = {}
    for facet, buckets in facets.items():
        if facet not in FACET_FILTERS:
            continue
        single = facet != "type" and getattr(query, FACET_FILTERS[facet]) not in (None, "")
        items = []
        for value, count in buckets:
            value = str(value)
            selected = is_selected(query, facet, value)
            if not count or (single and not selected):
                continue
            items.append((value, count, selected, toggled(query, facet, value)))
        out[facet] = items
    return out
