"""What the fakes that speak HTTP share: a server on 127.0.0.1 on a free port, served from a daemon thread,
started and stopped as a context manager (`with FakeSts() as sts:`)."""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer


class LoopbackServer:
    """Base of a fake: its start() calls serve() with its request handler and returns self."""

    _server: ThreadingHTTPServer | None = None

    def serve(self, handler, server_class=ThreadingHTTPServer, name: str = "fake", poll_interval: float = 0.5,
              host: str = "127.0.0.1") -> str:
        """Serve `handler` from a daemon thread; returns the base URL, http://<host>:<port> (another loopback
        address, such as 127.0.0.2, is another host to a browser)."""
        self._server = server_class((host, 0), handler)
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
