"""`rsbib serve`: browse the library with Datasette."""

from __future__ import annotations

import click

from rsbib.cli.app import cli, db_option


@cli.command()
@db_option
@click.option("--port", default=8001, show_default=True, help="Port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--open", "open_browser", is_flag=True, help="Open the home page in a browser.")
def serve(db_path, port, host, open_browser) -> None:
    """Browse the library with Datasette: papers, search, BibTeX of any page (add .bib).

    The file is served read-only (immutable) and never changed; while a sync
    is writing to it, it is served read-only but live, so new rows show up.
    """
    from rsbib.web.serve import ServeOptions
    from rsbib.web.serve import serve as run_server

    def announce(url: str, mode: str) -> None:
        click.echo(f"Serving {db_path} ({mode}) on {url} (Ctrl+C stops)", err=True)

    run_server(ServeOptions(db_path, host, port, open_browser), announce)
