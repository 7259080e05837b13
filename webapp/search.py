"""Search page: one query box, filters, results with snippets, pagination."""

from flask import Blueprint, render_template, request

from indexer.query import Query
from webapp.storage import get_store

bp = Blueprint("search", __name__)


@bp.route("/")
@bp.route("/search")
def index():
    query = Query.from_params(request.args)
    result = get_store().search(query)
    pages = max(1, -(-result.total // query.page_size))
    return render_template("search/index.html", query=query, result=result, pages=pages)
