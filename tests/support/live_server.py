"""Serve a WSGI app on 127.0.0.1 in a background thread, for browser tests.

    with LiveServer(app) as server:
        page.goto(server.url + "/")

Port 0 lets the kernel pick a free port (Chromium refuses some fixed ones).
"""

from __future__ import annotations

import threading

from werkzeug.serving import BaseWSGIServer, make_server


class LiveServer:
    def __init__(self, app, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self.host = host
        self.requested_port = port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        assert self._server is not None, "server not started"
        return self._server.server_port

    @property
    def url(self) -> str:
        """Base URL without a trailing slash, e.g. http://127.0.0.1:41234."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> LiveServer:
        if self._server is None:
            self._server = make_server(self.host, self.requested_port, self.app, threaded=True)
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.1},
                name=f"live-server-{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()  # waits for serve_forever to return
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
