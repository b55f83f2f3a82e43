"""A small forward proxy for the tests, as a corporate one works: CONNECT host:port tunnels (https) and
absolute-URI requests (plain http), each logged as one line before it is forwarded.

    python -m tests.fakes.connect_proxy --log FILE [--map .aws-sts.test=127.0.0.1] [--ready-file FILE]
    with ConnectProxy(log=path, names={".aws-sts.test": "127.0.0.1"}) as proxy: ... proxy.url ...

Log lines: `CONNECT okta.aws-sts.test:43121 ua=Mozilla/5.0 ...` or `GET http://host:port/path ua=...`, then
` -> ok` / ` -> refused: why` on the same line. --map resolves names (or a suffix starting with ".") that no DNS
knows: a client that reaches such a host at all went through this proxy.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import signal
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from tests.fakes.loopback import LoopbackServer


class ConnectProxy(LoopbackServer):
    def __init__(self, log: os.PathLike | str | None = None, names: dict[str, str] | None = None):
        self.log_path = Path(log) if log else None
        self.names = dict(names or {})
        self.lines: list[str] = []
        self._lock = threading.Lock()
        self.url = ""

    def start(self) -> "ConnectProxy":
        proxy = self

        class Handler(_Handler):
            owner = proxy

        self.url = self.serve(Handler, ThreadingHTTPServer, "connect-proxy", poll_interval=0.1)
        return self

    def resolve(self, host: str) -> str:
        for name, address in self.names.items():
            if host == name or (name.startswith(".") and host.endswith(name)):
                return address
        return host

    def record(self, line: str) -> None:
        with self._lock:
            self.lines.append(line)
            if self.log_path:
                with open(self.log_path, "a") as fh:
                    fh.write(line + "\n")


class _Handler(BaseHTTPRequestHandler):
    owner: ConnectProxy
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet: the proxy's own log is owner.record
        pass

    def _ua(self) -> str:
        return " ua=" + (self.headers.get("User-Agent") or "-").split(" ")[0]

    def do_CONNECT(self):
        host, _, port = self.path.rpartition(":")
        line = f"CONNECT {self.path}{self._ua()}"
        try:
            upstream = socket.create_connection((self.owner.resolve(host.strip("[]")), int(port)), timeout=10)
        except (OSError, ValueError) as exc:
            self.owner.record(f"{line} -> refused: {exc}")
            self.send_error(502, "cannot reach the host")
            return
        self.owner.record(f"{line} -> ok")
        self.send_response(200, "Connection established")
        self.end_headers()
        _relay(self.connection, upstream)
        self.close_connection = True

    def _forward(self):
        target = urlsplit(self.path)
        line = f"{self.command} {self.path}{self._ua()}"
        if target.scheme != "http" or not target.hostname:
            self.owner.record(f"{line} -> refused: not an absolute http URL")
            self.send_error(400, "absolute http URLs only")
            return
        try:
            upstream = socket.create_connection((self.owner.resolve(target.hostname), target.port or 80), timeout=10)
        except OSError as exc:
            self.owner.record(f"{line} -> refused: {exc}")
            self.send_error(502, "cannot reach the host")
            return
        self.owner.record(f"{line} -> ok")
        path = target.path or "/"
        if target.query:
            path += "?" + target.query
        head = [f"{self.command} {path} HTTP/1.1"]
        for name, value in self.headers.items():
            if name.lower() not in ("proxy-connection", "proxy-authorization", "connection", "keep-alive"):
                head.append(f"{name}: {value}")
        head.append("Connection: close")
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        upstream.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        _relay(self.connection, upstream)  # the answer, until the server closes (Connection: close)
        self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = do_PATCH = _forward


def _relay(client: socket.socket, upstream: socket.socket) -> None:
    """Copy bytes both ways until either side closes."""
    client.settimeout(None)
    upstream.settimeout(None)
    sockets = [client, upstream]
    try:
        while True:
            readable, _, broken = select.select(sockets, [], sockets, 60)
            if broken or not readable:
                return
            for sock in readable:
                data = sock.recv(65536)
                if not data:
                    return
                (upstream if sock is client else client).sendall(data)
    except OSError:
        return
    finally:
        upstream.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log", required=True)
    parser.add_argument("--map", action="append", default=[], help="NAME=ADDRESS (NAME may start with '.')")
    parser.add_argument("--ready-file")
    args = parser.parse_args()
    names = dict(item.split("=", 1) for item in args.map)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with ConnectProxy(args.log, names) as proxy:
        if args.ready_file:
            Path(args.ready_file).write_text(json.dumps({"url": proxy.url}))
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
