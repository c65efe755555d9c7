"""Serve the real recorded answers of arXiv and Crossref (recordings/) from 127.0.0.1.

Used to prove that rsbib's own parsing reads the live services' answers, and
that the stand-in's answers have the same shape.
"""

from __future__ import annotations

import csv
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

RECORDINGS = Path(__file__).with_name("recordings")


def arxiv_recordings() -> dict[str, tuple[int, str]]:
    """id_list or search_query of each recorded request -> (status, Atom body)."""
    answers = {}
    with open(RECORDINGS / "arxiv" / "INDEX.tsv", encoding="utf-8") as index:
        for row in csv.DictReader(index, delimiter="\t"):
            params = parse_qs(urlsplit(row["request"].split(" ", 1)[1]).query, keep_blank_values=True)
            key = params["id_list"][0] or params["search_query"][0]
            body = (RECORDINGS / "arxiv" / row["file"]).read_text("utf-8")
            answers[key] = (int(row["http_status"]), body)
    return answers


def crossref_recordings() -> dict[str, dict]:
    """Path of each recorded request -> the recording (request, status, headers, body)."""
    answers = {}
    for path in sorted((RECORDINGS / "crossref").glob("*.json")):
        recording = json.loads(path.read_text("utf-8"))
        parts = urlsplit(recording["recorded"]["request"]["uri"])
        answers[parts.path + (f"?{parts.query}" if parts.query else "")] = recording
    return answers


class Replay:
    def __init__(self):
        arxiv, crossref = arxiv_recordings(), crossref_recordings()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):  # noqa: N802
                parts = urlsplit(self.path)
                if parts.path == "/api/query":
                    params = parse_qs(parts.query, keep_blank_values=True)
                    key = params["id_list"][0] or params["search_query"][0]
                    # An id never recorded gets the recorded answer for an unknown id.
                    status, body = arxiv.get(key, arxiv["0000.0000"])
                    ctype, headers = "application/atom+xml", {}
                else:
                    recording = crossref.get(self.path)
                    if recording is None:
                        return self._send(404, "Resource not found.", "text/plain", {})
                    rec, body = recording["recorded"], recording["body"]
                    body = body if isinstance(body, str) else json.dumps(body)
                    headers = {k: v[0] for k, v in rec["headers"].items()
                               if k.startswith("x-")}
                    status, ctype = rec["status"]["code"], rec["headers"]["content-type"][0]
                self._send(status, body, ctype, headers)

            def _send(self, status, body, ctype, headers):
                data = body.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
