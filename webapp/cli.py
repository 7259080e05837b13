"""The website's command: ``serve``, and the serve step of ``run`` (contributed to
:mod:`indexer.cli` through the ``penalty_archive.commands`` entry points).

``serve`` runs the production WSGI server: gunicorn (threaded workers, access log on
standard error, a worker answering no request within ``--timeout`` seconds is replaced;
SIGTERM stops it gracefully, finishing the requests in flight), or waitress where gunicorn
cannot run (Windows).  ``--dev`` runs Flask's development server instead.
"""

import os

import click

from indexer.cli import DEFAULT_PORT, main, step

GRACEFUL_SECONDS = 10
# Threads per worker: a client waiting for a search export that is being built holds one
# while it sleeps, so there are more threads than cores can keep busy.
THREADS = 16


def default_workers():
    return min(2 * (os.cpu_count() or 1) + 1, 8)


def create(ctx, host, port):
    from webapp import create_app

    return create_app({"DATA_DIR": ctx.data, "STORE": ctx.store_kind,
                       "ELASTICSEARCH_URL": ctx.elasticsearch_url,
                       "PUBLIC_URL": os.environ.get("PENALTY_ARCHIVE_PUBLIC_URL")
                       or "http://%s:%d" % (host, port)})


@step("serve")
def _serve(ctx, host, port, workers=None, timeout=60, dev=False, threads=THREADS):
    app = create(ctx, host, port)
    try:
        from gunicorn.app.base import BaseApplication
    except ImportError:  # Windows: no gunicorn
        BaseApplication = None
    if dev:
        click.echo("serving http://%s:%d/ with the development server (Ctrl-C stops)"
                   % (host, port), err=True)
        app.run(host=host, port=port, threaded=True, use_reloader=False)
    elif BaseApplication is None:
        import waitress

        click.echo("serving http://%s:%d/ with waitress" % (host, port), err=True)
        waitress.serve(app, host=host, port=port, threads=workers or default_workers())
    else:
        options = {"bind": "%s:%d" % (host, port), "workers": workers or default_workers(),
                   "worker_class": "gthread", "threads": threads, "timeout": timeout,
                   "graceful_timeout": GRACEFUL_SECONDS, "accesslog": "-",
                   "errorlog": "-", "proc_name": "penalty-archive"}

        class Server(BaseApplication):
            def load_config(self):
                for key, value in options.items():
                    self.cfg.set(key, value)

            def load(self):
                return app

        click.echo("serving http://%s:%d/ with gunicorn, %d workers (SIGTERM or Ctrl-C "
                   "stops)" % (host, port, options["workers"]), err=True)
        Server().run()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=int)
@click.option("--workers", type=click.IntRange(min=1),
              help="Worker processes (default: 2 per core + 1, at most 8).")
@click.option("--timeout", default=60, show_default=True, type=click.IntRange(min=1),
              help="Seconds a request may take before its worker is replaced.")
@click.option("--threads", default=THREADS, show_default=True, type=click.IntRange(min=1),
              help="Threads per worker process.")
@click.option("--dev", is_flag=True, help="Flask's development server (one process).")
@click.pass_obj
def serve(ctx, host, port, workers, timeout, threads, dev):
    """Serve the website and API with a production server."""
    _serve(ctx, host, port, workers, timeout, dev, threads)
