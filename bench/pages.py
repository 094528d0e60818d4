"""Page throughput under gunicorn, against a Flask hello-world measured in the same run.

    .venv/bin/python bench/pages.py [--seconds 5] [--repeat 3] [--connections 16] [--workers 2]
                                    [--threads N] [--only "search"]

Both servers run with the same gunicorn settings (``portal.server.gunicorn_options``:
gthread, ``portal.server.SERVE_THREADS`` threads per worker unless ``--threads``);
wrk (Debian's ``wrk``, installed by set-up) drives each URL from 127.0.0.1 only.
Prints requests/s, p50/p99 latency as wrk saw them and the ratio to hello-world for
each page, the p99 time inside the worker (from the portal's access log), the web
workers' resident memory and their start time. Figures, not assertions.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import temporary_app  # noqa: E402 - once the project root is on the path
from portal.server import SERVE_THREADS  # noqa: E402


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(port: int, path: str, seconds: float = 120) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5).read()
            return time.monotonic() - started
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing answered on port {port} within {seconds} s")


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if match is None:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def wrk(url: str, seconds: int, connections: int) -> tuple[float, float, float, int]:
    """(requests/s, p50 ms, p99 ms, non-2xx/3xx responses) for ``url``."""
    output = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url],
                            capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return rate, p50, p99, int(errors.group(1)) if errors else 0


def wrk_median(url: str, seconds: int, connections: int, repeat: int) -> tuple[float, float, float, int]:
    """The median of ``repeat`` wrk runs by requests/s (this machine's neighbours steal CPU now and then)."""
    runs = sorted((wrk(url, seconds, connections) for _ in range(repeat)), key=lambda run: run[0])
    return runs[len(runs) // 2]


def server_p99(access_log: Path, since: int) -> str:
    """p99 of the request times gunicorn logged (whole ms) after byte ``since`` of its access log."""
    with access_log.open() as log:
        log.seek(since)
        times = sorted(int(m.group(1)) for line in log if (m := re.search(r" (\d+)ms$", line.rstrip())))
    return f"{times[int(len(times) * 0.99)]} (n={len(times)})" if times else "-"


def worker_rss_mb(master_pid: int) -> list[float]:
    children = subprocess.run(
        ["pgrep", "-P", str(master_pid)], capture_output=True, text=True, check=False
    ).stdout.split()
    sizes = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        sizes.append(int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024)
    return sizes


def prepare_portal() -> Path:
    """A data dir with the shipped knowledge base, indexed and embedded, and one machine translation."""
    from portal.db import db
    from portal.jobs import run_pending
    from portal.kb.models import KIND_MACHINE
    from portal.kb.service import get_article, save_version
    from portal.publishing import import_knowledge_base

    cache = ROOT / ".cache" / "embeddings-tests.sqlite3"
    app = temporary_app(embeddings_cache=cache, translation_engines=())
    with app.app_context():
        import_knowledge_base(db.session, ROOT / "kb_articles")
        article = get_article(db.session, "reset-your-password")
        source = article.source
        save_version(db.session, article, "ja", title=source.title, summary=source.summary, body=source.body,
                     kind=KIND_MACHINE, produced_by="bench/1")
        db.session.commit()
        run_pending(db.session)
    return app.config["SETTINGS"].data_dir


def start(command: list[str], env: dict, port: int, probe: str,
          log: Path | None = None) -> tuple[subprocess.Popen, float]:
    output = log.open("a") if log is not None else subprocess.DEVNULL
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
                               start_new_session=True)
    return process, wait_until_up(port, probe)


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3, help="wrk runs per URL; the median one is reported")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=SERVE_THREADS, help="per worker, for both servers")
    parser.add_argument("--only", default="", help="measure only the pages whose name contains this text")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: run `make setup` (it installs Debian's wrk)")

    data_dir = prepare_portal()
    scratch = Path(tempfile.mkdtemp(prefix="bench-hello-"))
    (scratch / "hello.py").write_text(textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from flask import Flask
        from portal.server import PortalServer, gunicorn_options
        app = Flask("hello")

        @app.get("/")
        def hello():
            return "Hello, World!"

        options = gunicorn_options("127.0.0.1", int(sys.argv[1]), {args.workers}, {args.threads})
        options.update(accesslog=None, post_fork=lambda server, worker: None, post_worker_init=lambda worker: None,
                       worker_exit=lambda server, worker: None)
        PortalServer(app, options).run()
    """))
    env = {**os.environ, "PORTAL_DATA_DIR": str(data_dir), "PORTAL_SEARCH_INDEX_DIR": str(data_dir / "index"),
           "PORTAL_EMBEDDINGS_CACHE": str(ROOT / ".cache" / "embeddings-tests.sqlite3"),
           "PORTAL_TRANSLATION_ENGINES": "", "PORTAL_RATE_LIMIT_PUBLIC_WRITES": "1000000 per minute"}

    hello_port = free_port()

    def measure_hello() -> tuple[float, float, float, int]:
        hello, _ = start([sys.executable, str(scratch / "hello.py"), str(hello_port)], env, hello_port, "/")
        try:
            return wrk_median(f"http://127.0.0.1:{hello_port}/", args.seconds, args.connections, args.repeat)
        finally:
            stop(hello)

    # Measured before and after the portal: on a shared 2-core machine one run of it alone
    # can be off by a factor of two, and the ratios use the mean of both.
    hello_before = measure_hello()

    port = free_port()
    command = [sys.executable, "-m", "portal.cli", "serve", "--port", str(port), "--no-worker",
               "--workers", str(args.workers), "--threads", str(args.threads)]
    # The first start after indexing reads a cold index; a restart (deploy, reload) finds it warm.
    portal, first_startup = start(command, env, port, "/healthz")
    stop(portal)
    access_log = scratch / "access.log"
    portal, startup = start(command, env, port, "/healthz", access_log)
    pages = [("English article", "/en/articles/reset-your-password"),
             ("machine-translated article (ja)", "/ja/articles/reset-your-password"),
             ("category page", "/en/categories/account"), ("home page", "/en/"),
             ("search page", "/en/search?q=reset+password"), ("search API", "/api/v1/search?q=reset+password&lang=en")]
    pages = [(name, path) for name, path in pages if args.only in name]
    try:
        for _, path in pages:  # warm: templates compiled, model loaded, caches filled in every worker
            for _ in range(20):
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=60).read()
            wrk(f"http://127.0.0.1:{port}{path}", 1, args.connections)  # and every worker thread under load
        rows = []
        for name, path in pages:
            mark = access_log.stat().st_size
            measured = wrk_median(f"http://127.0.0.1:{port}{path}", args.seconds, args.connections, args.repeat)
            rows.append((name, path, *measured, server_p99(access_log, mark)))
        rss = worker_rss_mb(portal.pid)
    finally:
        stop(portal)
    hello_after = measure_hello()

    rate = (hello_before[0] + hello_after[0]) / 2
    p50, p99 = max(hello_before[1], hello_after[1]), max(hello_before[2], hello_after[2])
    print(f"gunicorn, {args.workers} workers x {args.threads} threads, wrk {args.connections} connections, "
          f"median of {args.repeat} runs of {args.seconds} s each")
    print(f"{'page':36} {'req/s':>8} {'ratio':>6} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} {'in-worker p99 ms':>16}")
    print(f"{'hello-world Flask (mean of 2 runs)':36} {rate:8.0f} {1:6.2f} {p50:7.2f} {p99:7.2f} {0:6}"
          f"   (runs: {hello_before[0]:.0f} and {hello_after[0]:.0f} req/s)")
    for name, _, page_rate, page_p50, page_p99, errors, in_worker in rows:
        print(f"{name:36} {page_rate:8.0f} {page_rate / rate:6.2f} {page_p50:7.2f} {page_p99:7.2f} {errors:6}"
              f" {in_worker:16}")
    print("(p50/p99: as wrk saw them, queueing for a thread and the CPU included; in-worker: from the access "
          "log, request read to response written, whole ms)")
    print(f"web worker start (process launch to first answer, workers warmed up): "
          f"{first_startup:.2f} s on a fresh index, {startup:.2f} s on a restart")
    print(f"resident memory per web worker: {', '.join(f'{size:.0f} MB' for size in rss)}")


if __name__ == "__main__":
    main()
