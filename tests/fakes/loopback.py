"""What the fakes that speak HTTP share: a server on 127.0.0.1 on a free port, served from a daemon thread,
started and stopped as a context manager (`with FakeSts() as sts:`)."""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer

BACKLOG = 128


class LoopbackServer:
    """Base of a fake: its start() calls serve() with its request handler and returns self."""

    _server: ThreadingHTTPServer | None = None

    def serve(self, handler, server_class=ThreadingHTTPServer, name: str = "fake", poll_interval: float = 0.5,
              host: str = "127.0.0.1") -> str:
        """Serve `handler` from a daemon thread; returns the base URL, http://<host>:<port> (another loopback
        address, such as 127.0.0.2, is another host to a browser)."""
        server = server_class((host, 0), handler, bind_and_activate=False)
        # socketserver listens with a backlog of 5: tests that open dozens of connections at once (50 STS
        # callers, a page's requests) would see some reset under load
        server.request_queue_size = BACKLOG
        try:
            server.server_bind()
            server.server_activate()
        except BaseException:
            server.server_close()
            raise
        self._server = server
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(poll_interval,), name=name, daemon=True).start()
        return f"http://{host}:{self._server.server_address[1]}"

    def start(self):
        raise NotImplementedError

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
