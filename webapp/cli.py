"""The website's command: ``serve``, and the serve step of ``run`` (contributed to
:mod:`indexer.cli` through the ``penalty_archive.commands`` entry points)."""

import click

from indexer.cli import DEFAULT_PORT, main, step


@step("serve")
def _serve(ctx, host, port):
    from webapp import create_app

    app = create_app({"DATA_DIR": ctx.data, "STORE": ctx.store_kind,
                      "ELASTICSEARCH_URL": ctx.elasticsearch_url})
    click.echo("serving http://%s:%d/ (Ctrl-C stops)" % (host, port), err=True)
    app.run(host=host, port=port, threaded=True, use_reloader=False)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=int)
@click.pass_obj
def serve(ctx, host, port):
    """Serve the website and API."""
    _serve(ctx, host, port)
