"""A web server that plays whatever pages a test gives it, on any loopback address, and keeps every request
it receives (method, path, body): the "other host" that must never receive a secret.

    with PageServer("127.0.0.2") as other:
        other.pages["/login"] = (200, {}, "<form ...>")      # or (302, {"Location": url}, "")
        ... other.requests -> [("POST", "/collect", "username=...")]
"""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler

from .loopback import LoopbackServer


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, format, *args):
        pass

    def _answer(self):
        server = self.server.owner
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        path = self.path.split("?", 1)[0]
        server.requests.append((self.command, path, body))
        status, headers, page = server.pages.get(path, (404, {}, "not here"))
        data = page.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _answer


class PageServer(LoopbackServer):
    def __init__(self, host: str = "127.0.0.1"):
        self.host = host
        self.pages: dict = {}
        self.requests: list = []
        self.base_url = ""

    def start(self) -> "PageServer":
        self.base_url = self.serve(_Handler, name=f"pages-{self.host}", host=self.host)
        self._server.owner = self
        return self

    def posted(self) -> list:
        return [body for method, _, body in self.requests if method == "POST"]
