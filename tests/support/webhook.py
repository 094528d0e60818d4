"""A real HTTP receiver on a free loopback port, for webhook deliveries."""
from __future__ import annotations

import contextlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@contextlib.contextmanager
def webhook_receiver(fail_first: int = 0):
    """Yield (url, received list of (headers, body)); the first ``fail_first`` calls get HTTP 500."""
    received: list[tuple[dict, bytes]] = []
    state = {"failures": fail_first}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's hook name
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if state["failures"] > 0:
                state["failures"] -= 1
                self.send_response(500)
                self.end_headers()
                return
            received.append((dict(self.headers), body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hook", received
    finally:
        server.shutdown()
        thread.join(timeout=10)
