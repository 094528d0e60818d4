"""Both keyword backends in one run (issue #14, item 6): ``bench/search.py --part backends``.

Each backend gets its own portal on its own database of one temporary PostgreSQL
server (so only the keyword index differs). Figures per backend: indexing time of
the GNOME Help corpus and of synthetic documents (``synthetic.py``); the keyword
pipeline's p50/p95 on each (on the synthetic ones also misspelt and nonsense queries,
which add did-you-mean); hybrid p50/p95 on the shipped articles (their vectors
come from the tests' embedding cache; every query is embedded, as a new query
would be); and each of those with two clients at once: two threads of one web worker
("x2 threads"), and, for keyword search, two web workers ("x2 processes", as
``portal serve`` runs one worker per core). Whoosh is the baseline: the PostgreSQL
lines say their ratio to it.
"""
from __future__ import annotations

import multiprocessing
import os
import random
import shutil
import tempfile
import threading
import time
import traceback
from pathlib import Path

from _common import GNOME, ROOT, percentile, summary, temporary_app
from synthetic import misspelt_queries, nonsense_queries, queries_for, synthetic_documents

EMBEDDINGS_CACHE = ROOT / ".cache" / "embeddings-tests.sqlite3"
SHIPPED_KB = ROOT / "kb_articles"


def _run_queries(app, queries, retrieval: str) -> list[float]:
    from portal.search import SearchQuery, search_service

    service = search_service(app)
    embedder = app.extensions.get("embedder")
    times = []
    with app.app_context():
        for lang, text in queries:
            if retrieval == "hybrid" and embedder is not None:
                embedder._queries.clear()  # the query's embedding is part of every hybrid figure
            started = time.perf_counter()
            service._search(text, SearchQuery(text, lang, retrieval=retrieval), 1)
            times.append((time.perf_counter() - started) * 1000)
    return times


def measured(label: str, figures: tuple[list[float], ...]) -> tuple[list[float], ...]:
    line = f"{label}: alone {summary(figures[0])}; two threads {summary(figures[1])}"
    if len(figures) > 2:
        line += f"; two processes {summary(figures[2])}"
    print(line, flush=True)
    return figures


def measure(app, queries, retrieval: str) -> tuple[list[float], ...]:
    """Latencies (ms) of one client, of two clients at once in two threads of this process
    (two requests on one web worker's threads), and, for a keyword-only portal, of two
    clients in two processes of their own (two web workers). Processes are spawned, not
    forked: forked ones hang in the embedding runtime's thread locks."""
    _run_queries(app, queries[:20], retrieval)  # warm up
    alone = _run_queries(app, queries, retrieval)
    shares = [queries[i::2] + queries[1 - i::2] for i in range(2)]
    barrier, together = threading.Barrier(2), []

    def client(share):
        barrier.wait()
        together.extend(_run_queries(app, share, retrieval))

    threads = [threading.Thread(target=client, args=(share,)) for share in shares]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    settings = app.extensions.get("bench_settings")
    if retrieval != "keyword" or settings is None or settings.get("embeddings") != "none":
        return alone, together
    return alone, together, _two_processes(settings, shares)


def _two_processes(settings: dict, shares: list[list]) -> list[float]:
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    processes = [context.Process(target=_client_process, args=(settings, share, barrier, results))
                 for share in shares]
    for process in processes:
        process.start()
    try:
        times = [time for _ in processes for time in results.get(timeout=600)]
    finally:
        for process in processes:
            process.join(timeout=60)
            if process.is_alive():
                process.kill()
    return times


def _client_process(settings: dict, share: list, barrier, results) -> None:
    """One web worker's worth of a client: the same portal opened in a process of its own."""
    from portal import create_app

    app = create_app(settings)
    _run_queries(app, share[:20], "keyword")  # warm up, as the parent was
    barrier.wait()
    results.put(_run_queries(app, share, "keyword"))


def _app(backend: str, url: str, **settings):
    return temporary_app(translation_engines=(), search_backend=backend, database_url=url, **settings)


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (Whoosh's writer processes):
    on a shared machine the wall clock also counts other people's work."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def _timed_rebuild(app) -> tuple[int, float, float]:
    from portal.db import db
    from portal.search import search_service
    from portal.search.jobs import rebuild_index

    with app.app_context():
        started, cpu = time.perf_counter(), cpu_seconds()
        count = rebuild_index(db.session, search_service(app).backend)
        db.session.commit()
        return count, time.perf_counter() - started, cpu_seconds() - cpu


def run_backend(backend: str, server_url: str, docs: list[dict], args, figures: dict) -> None:
    from sqlalchemy import select

    from portal.db import db
    from portal.jobs import run_pending
    from portal.kb.models import ArticleVersion
    from portal.kb.transfer import import_directory
    from portal.publishing import import_knowledge_base
    from portal.search import search_service
    from tests.support.services import create_database

    # GNOME Help: import, then a full rebuild, timed.
    app = _app(backend, create_database(server_url, f"bench_{backend}_gnome"), embeddings="none")
    with app.app_context():
        import_directory(db.session, GNOME)
        db.session.commit()
        rows = db.session.execute(select(ArticleVersion.lang, ArticleVersion.title)).all()
    count, seconds, cpu = _timed_rebuild(app)
    figures["gnome index"] = (count, seconds, cpu)
    print(f"[{backend}] GNOME: indexed {count} documents in {seconds:.1f} s ({cpu:.1f} s CPU here)", flush=True)
    random.seed(7)
    enabled = set(app.config["SETTINGS"].languages)
    queries = [(lang, title) for lang, title in rows if lang in enabled]
    random.shuffle(queries)
    figures["gnome keyword"] = measured(f"[{backend}] GNOME keyword", measure(app, queries[: args.queries], "keyword"))

    if docs:
        app = _app(backend, create_database(server_url, f"bench_{backend}_synthetic"), embeddings="none")
        with app.app_context():
            started, cpu = time.perf_counter(), cpu_seconds()
            search_service(app).backend.replace_all(docs, session=db.session)
            db.session.commit()
            seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
        figures["synthetic index"] = (len(docs), seconds, cpu)
        print(f"[{backend}] synthetic: indexed {len(docs)} documents in {seconds:.1f} s ({cpu:.1f} s CPU here)",
              flush=True)
        figures["synthetic keyword"] = measured(f"[{backend}] synthetic keyword",
                                                measure(app, queries_for(docs, args.queries), "keyword"))
        # Queries that match nothing cost a did-you-mean lookup per word on top of the search.
        for name, queries in (("misspelt", misspelt_queries(docs, args.queries)),
                              ("nonsense", nonsense_queries(docs, args.queries))):
            figures[f"synthetic {name}"] = measured(f"[{backend}] synthetic {name}", measure(app, queries, "keyword"))

    # Hybrid on the shipped articles: vectors from the tests' cache (copied, so it is not written).
    cache = Path(tempfile.mkdtemp(prefix="bench-embeddings-")) / "cache.sqlite3"
    if EMBEDDINGS_CACHE.exists():
        shutil.copy(EMBEDDINGS_CACHE, cache)
    app = _app(backend, create_database(server_url, f"bench_{backend}_hybrid"), embeddings_cache=cache)
    with app.app_context():
        import_knowledge_base(db.session, SHIPPED_KB)
        db.session.commit()
        run_pending(db.session)
        rows = db.session.execute(select(ArticleVersion.lang, ArticleVersion.title)).all()
    random.seed(5)
    queries = [(lang, title) for lang, title in rows if lang in enabled]
    random.shuffle(queries)
    search_service(app)._refresh_vectors()
    for mode in ("hybrid", "keyword"):
        figures[f"{mode} (shipped KB)"] = measured(f"[{backend}] shipped KB {mode}",
                                                   measure(app, queries[: args.queries], mode))


def report(results: dict[str, dict]) -> None:
    baseline = results.get("whoosh", {})
    print(f"\n== keyword backends (ms; 'x2' = two clients at once, in threads or processes; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores) ==")
    for backend, figures in results.items():
        for name, value in figures.items():
            if name.endswith(" index"):
                count, seconds, cpu = value
                line = (f"[{backend}] {name}: {count} documents in {seconds:.1f} s wall "
                        f"({count / seconds:.0f} docs/s), {cpu:.1f} s CPU in this process and its writers")
                if backend != "whoosh" and name in baseline:
                    line += f"; {seconds / baseline[name][1]:.2f}x whoosh's time"
                print(line)
                continue
            labels = ("alone", "x2 threads", "x2 processes")[:len(value)]  # no processes for hybrid
            for index, (label, times) in enumerate(zip(labels, value, strict=True)):
                line = f"[{backend}] {name} {label}: {summary(times)}"
                if backend != "whoosh" and name in baseline and index < len(baseline[name]):
                    base = baseline[name][index]
                    line += (f"; vs whoosh p50 {percentile(times, .5) / percentile(base, .5):.2f}x, "
                             f"p95 {percentile(times, .95) / percentile(base, .95):.2f}x")
                print(line)


def backends(args) -> None:
    from tests.support.services import postgres_server

    names = [name.strip() for name in args.backends.split(",") if name.strip()]
    started = time.perf_counter()
    docs = synthetic_documents(args.synthetic) if args.synthetic else []
    if docs:
        print(f"built {len(docs)} synthetic documents in {time.perf_counter() - started:.0f} s", flush=True)
    results = {}
    with postgres_server() as server_url:
        for name in names:
            results[name] = {}
            try:
                run_backend(name, server_url, docs, args, results[name])
            except Exception:  # noqa: BLE001 - the other backend's figures are still worth printing
                traceback.print_exc()
    report(results)
