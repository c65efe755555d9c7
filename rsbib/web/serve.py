"""`rsbib serve`: Datasette, in this interpreter, over a library it never writes to.

The shipped metadata (facets, labels, canned queries) and the plugin in
rsbib.web give the pages their shape; this module only decides
how the file is opened and runs the server.
"""

from __future__ import annotations

import sqlite3
import threading
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rsbib import RsbibError


class ServeError(RsbibError):
    """The file cannot be served as a library."""


def being_written(db_path: str | Path) -> bool:
    """True while a writer's changes sit in the WAL (a sync running, or one killed mid-way)."""
    wal = Path(f"{db_path}-wal")
    return wal.exists() and wal.stat().st_size > 0


def check_library(db_path: str | Path) -> None:
    """Refuse what is not a current rsbib library, reading it without any chance of a write."""
    from rsbib.store.library import SCHEMA_VERSION, schema_version

    path = Path(db_path)
    if not path.is_file():
        raise ServeError(f"{db_path}: no such library (run `rsbib sync --db {db_path}` first)")
    try:
        version = schema_version(path)
    except sqlite3.Error as exc:
        raise ServeError(f"{db_path}: cannot open as a library ({exc})") from exc
    if version == 0:
        raise ServeError(f"{db_path}: not an rsbib library")
    if version != SCHEMA_VERSION:
        raise ServeError(f"{db_path}: schema {version}, this rsbib reads {SCHEMA_VERSION}; "
                         f"run `rsbib sync --offline --db {db_path}` to upgrade it")


def datasette_for(db_path: str | Path, live: bool):
    """A Datasette over the library: immutable (never opened for writing) unless `live`."""
    from datasette.app import Datasette
    from datasette.plugins import pm

    import rsbib.web as datasette_plugin
    if not pm.is_registered(datasette_plugin):  # entry points are not loaded everywhere
        pm.register(datasette_plugin, "rsbib")
    path = str(db_path)
    return Datasette(files=[path] if live else [], immutables=[] if live else [path],
                     settings={"max_returned_rows": 2000, "suggest_facets": False})


@dataclass(frozen=True)
class ServeOptions:
    db_path: str = "library.db"
    host: str = "127.0.0.1"
    port: int = 8001
    open_browser: bool = False


def serve(options: ServeOptions, announce: Callable[[str, str], None] = lambda url, mode: None) -> None:
    """Run the server until interrupted; `announce(url, mode)` is told where it listens."""
    import uvicorn

    db_path, host, port, open_browser = options.db_path, options.host, options.port, options.open_browser
    check_library(db_path)
    live = being_written(db_path)
    app = datasette_for(db_path, live).app()
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning",
                                           lifespan="on"))
    url = f"http://{host}:{port}/"

    def when_started() -> None:
        while not server.started and not server.should_exit:
            threading.Event().wait(0.05)
        if server.started:
            announce(url, "read-only but live (a sync is writing)" if live else "read-only")
            if open_browser:
                webbrowser.open(url)

    threading.Thread(target=when_started, daemon=True).start()
    server.run()
