"""The store the app reads, opened once per process and shared by requests."""

import threading

from flask import current_app

from indexer.store import open_store

_lock = threading.Lock()


def get_store():
    app = current_app._get_current_object()
    store = app.extensions.get("penalty_archive.store")
    if store is None:
        with _lock:
            store = app.extensions.get("penalty_archive.store")
            if store is None:
                if app.config["STORE"] == "elasticsearch":  # URL: config, else the env
                    location = app.config.get("ELASTICSEARCH_URL")
                else:
                    location = app.config["DATA_DIR"] + "/store"
                store = open_store(app.config["STORE"], location, readonly=True)
                app.extensions["penalty_archive.store"] = store
    return store
