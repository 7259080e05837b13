"""The backend-neutral search query, validated from request parameters.

``Query.from_params(mapping)`` is the one place where user input becomes a query; every
store compiles a ``Query`` into its own engine's terms, never user text into a query
language.  A bad value raises ``QueryError`` naming the parameter, which the webapp turns
into a 400 and the API into a JSON error.
"""

import re
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation

from indexer.schema import PENALTY_KINDS

SORTS = ("relevance", "newest", "oldest", "amount_desc", "amount_asc")
MAX_PAGE_SIZE = 100
MAX_PAGE = 1000
MAX_Q_LENGTH = 500
_TYPE_RE = re.compile(r"^[a-z]+(\.[a-z_]+)*$")
_SOURCE_RE = re.compile(r"^[a-z0-9_]+$")
_REGION_RE = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")
_PHRASE_RE = re.compile(r'"([^"]*)"|(\S+)')


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
    authority: str = ""
    region: str = ""
    source: str = ""
    penalty: str = ""
    party: str = ""
    year: int = None
    date_from: str = None
    date_to: str = None
    min_amount: Decimal = None
    max_amount: Decimal = None
    sort: str = "relevance"
    page: int = 1
    page_size: int = 20
    filters_only: bool = field(default=False, compare=False)

    @property
    def terms(self):
        """The free text as a list of phrases: quoted text stays one phrase."""
        return [m.group(1) if m.group(1) is not None else m.group(2)
                for m in _PHRASE_RE.finditer(self.q) if (m.group(1) or m.group(2) or "").strip()]

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
                            ("region", query.region), ("source", query.source),
                            ("penalty", query.penalty), ("party", query.party),
                            ("year", query.year), ("from", query.date_from),
                            ("to", query.date_to), ("min_amount", query.min_amount),
                            ("max_amount", query.max_amount)):
            if value not in (None, ""):
                params.append((name, str(value)))
        params.extend(("type", t) for t in query.types)
        if query.sort != "relevance":
            params.append(("sort", query.sort))
        if query.page != 1:
            params.append(("page", str(query.page)))
        if query.page_size != 20:
            params.append(("page_size", str(query.page_size)))
        return params

    @classmethod
    def from_params(cls, params):
        """Build a Query from a mapping with ``get`` and ``getlist`` (werkzeug MultiDict)."""
        get = params.get
        getlist = getattr(params, "getlist", lambda name: [params[name]] if name in params else [])
        q = (get("q") or "").strip()
        if len(q) > MAX_Q_LENGTH:
            raise QueryError("q", "longer than %d characters" % MAX_Q_LENGTH)
        types = tuple(t for t in (v.strip() for v in getlist("type")) if t)
        for t in types:
            if not _TYPE_RE.match(t):
                raise QueryError("type", "not a taxonomy code: %r" % t)
        source = (get("source") or "").strip()
        if source and not _SOURCE_RE.match(source):
            raise QueryError("source", "not a source name: %r" % source)
        region = (get("region") or "").strip()
        if region and not _REGION_RE.match(region):
            raise QueryError("region", "not an ISO 3166 code: %r" % region)
        penalty = (get("penalty") or "").strip()
        if penalty and penalty not in PENALTY_KINDS:
            raise QueryError("penalty", "one of " + ", ".join(PENALTY_KINDS))
        sort = (get("sort") or "relevance").strip()
        if sort not in SORTS:
            raise QueryError("sort", "one of " + ", ".join(SORTS))
        year = _int(get("year"), "year", 1900, 2100)
        date_from = _date(get("from"), "from")
        date_to = _date(get("to"), "to")
        if date_from and date_to and date_from > date_to:
            raise QueryError("from", "after 'to'")
        min_amount = _amount(get("min_amount"), "min_amount")
        max_amount = _amount(get("max_amount"), "max_amount")
        if min_amount is not None and max_amount is not None and min_amount > max_amount:
            raise QueryError("min_amount", "greater than max_amount")
        return cls(q=q, types=types, authority=(get("authority") or "").strip()[:200],
                   region=region, source=source, penalty=penalty,
                   party=(get("party") or "").strip()[:200], year=year,
                   date_from=date_from, date_to=date_to, min_amount=min_amount,
                   max_amount=max_amount, sort=sort,
                   page=_int(get("page"), "page", 1, MAX_PAGE) or 1,
                   page_size=_int(get("page_size"), "page_size", 1, MAX_PAGE_SIZE) or 20)


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
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise QueryError(param, "not a number: %r" % value) from None
    if not amount.is_finite() or amount < 0:
        raise QueryError(param, "must be a non-negative number")
    return amount
