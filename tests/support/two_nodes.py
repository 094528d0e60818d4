"""Two portal web nodes and one job worker over one PostgreSQL and one Redis (issue #14, item 4).

Every process is a real ``portal`` command configured by environment variables
only, on 127.0.0.1, each node with a data directory of its own. :func:`prove`
runs the whole story and returns one line per thing proved; it raises
``AssertionError`` with the reason when something does not hold.
``tests/test_two_nodes.py`` runs it on the test session's servers;
``python -m tests.support.two_nodes`` (``make two-nodes``) starts a temporary
PostgreSQL cluster and redis-server of its own and prints what it proved.

Waiting is by polling an observable state (a port, a row, a page) with a
deadline, never by sleeping a guessed time.
"""
from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text

from tests.support.services import free_port

TICKETS = 200
#: The public-write limit of the rate-limit part: the 21st request within the minute is refused.
LOW_LIMIT = 20
#: Seconds before a dead worker's job is taken over (short, so the test does not wait 10 minutes).
LEASE_SECONDS = 3
DEADLINE = 60.0
SLUG = "two-nodes-kettle"
WORD = "zanzibarkettle"  # in no shipped article: found only once this one is indexed
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def wait_for(what: str, check: Callable[[], object], seconds: float = DEADLINE, poll: float = 0.05) -> object:
    """``check()``'s first truthy answer; AssertionError naming ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds:.0f} s waiting for {what}")
        time.sleep(poll)  # polling an observable state, not synchronising by a guessed time


@dataclass
class Answer:
    status: int
    body: bytes
    headers: dict = field(default_factory=dict)

    def json(self):
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def http(method: str, url: str, payload: dict | None = None, timeout: float = 30) -> Answer:
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json"} if data else {})
    try:
        with _NO_PROXY.open(request, timeout=timeout) as response:
            return Answer(response.status, response.read(), dict(response.headers))
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.read(), dict(error.headers))


class Cluster:
    """The processes of one run: web nodes, workers and one-off commands, all killed by :meth:`close`."""

    def __init__(self, root: Path, database_url: str, redis_url: str) -> None:
        self.root = root
        self.database_url = database_url
        self.redis_url = redis_url
        self.prefix = "two-nodes-" + secrets.token_hex(4)
        self.secret_key = secrets.token_urlsafe(32)  # one key for every node: sessions and ticket links
        self.processes: dict[str, subprocess.Popen] = {}
        self.groups: set[int] = set()
        self.ports: dict[str, int] = {}
        self.engine = create_engine(database_url, pool_pre_ping=True)
        (root / "logs").mkdir(parents=True, exist_ok=True)

    # --- processes -------------------------------------------------------------
    def env(self, name: str, **extra: str) -> dict[str, str]:
        data_dir = self.root / name
        env = {key: value for key, value in os.environ.items() if not key.startswith(("PORTAL_", "FLASK_"))}
        env.update({
            "DATABASE_URL": self.database_url, "REDIS_URL": self.redis_url, "PORTAL_REDIS_PREFIX": self.prefix,
            "SECRET_KEY": self.secret_key, "PORTAL_DATA_DIR": str(data_dir),
            "PORTAL_SEARCH_INDEX_DIR": str(data_dir / "index"), "PORTAL_SEARCH_BACKEND": "postgres",
            "PORTAL_EMBEDDINGS": "none", "PORTAL_TRANSLATION_ENGINES": "",
            "PORTAL_EMBEDDINGS_CACHE": str(data_dir / "embeddings.sqlite3"),
            "PORTAL_JOB_LEASE_SECONDS": str(LEASE_SECONDS), "PORTAL_RATE_LIMIT_PUBLIC_WRITES": "100000 per minute",
            "PORTAL_PUBLIC_URL": "http://127.0.0.1", "PYTHONUNBUFFERED": "1",
        })
        env.update(extra)
        return env

    def portal(self, name: str, *args: str, **extra: str) -> str:
        """Run ``portal ARGS`` to the end as process ``name``; its output."""
        done = subprocess.run([sys.executable, "-m", "portal.cli", *args], env=self.env(name, **extra),
                              capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise AssertionError(f"portal {' '.join(args)} failed ({done.returncode}): {done.stderr[-2000:]}")
        return done.stdout

    def start(self, name: str, args: list[str], data: str, **extra: str) -> subprocess.Popen:
        """Start ``portal ARGS`` in a process group of its own (gunicorn's workers go with it)."""
        log = open(self.root / "logs" / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen([sys.executable, "-m", "portal.cli", *args], env=self.env(data, **extra),
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.processes[name] = process
        self.groups.add(process.pid)
        return process

    def start_node(self, name: str, limit: str = "100000 per minute") -> None:
        port = self.ports.setdefault(name, free_port())
        self.start(name, ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
                          "--threads", "8", "--no-worker"], name, PORTAL_RATE_LIMIT_PUBLIC_WRITES=limit)

    def wait_ready(self, name: str) -> None:
        process = self.processes[name]

        def ready() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"{name} exited with {process.returncode}: {self.log_tail(name)}")
            with contextlib.suppress(OSError):
                return http("GET", self.url(name, "/healthz"), timeout=2).status == 200
            return False
        wait_for(f"{name} to answer", ready, poll=0.1)

    def start_worker(self, name: str) -> subprocess.Popen:
        return self.start(name, ["worker", "--poll", "0.1"], "worker")

    def stop(self, *names: str) -> None:
        """A graceful stop (SIGTERM to each process group, all at once), then SIGKILL after 30 s."""
        stopping = [self.processes.pop(name) for name in names]
        for process in stopping:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in stopping:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    def kill_9(self, name: str) -> int:
        """``kill -9`` of the process itself, as a crash would; its pid."""
        process = self.processes.pop(name)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        return process.pid

    def url(self, name: str, path: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}{path}"

    def log_tail(self, name: str, size: int = 3000) -> str:
        path = self.root / "logs" / f"{name}.log"
        return path.read_text(errors="replace")[-size:] if path.exists() else ""

    def leftovers(self) -> list[int]:
        """Process groups of this run that still have a process in them."""
        alive = []
        for group in sorted(self.groups):
            try:
                os.killpg(group, 0)
            except ProcessLookupError:
                continue
            alive.append(group)
        return alive

    def close(self) -> None:
        self.stop(*self.processes)
        for group in self.groups:  # anything a process group left behind (a gunicorn worker)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGKILL)
        wait_for("every process of the run to be gone", lambda: not self.leftovers(), seconds=15)
        self.engine.dispose()

    # --- database ------------------------------------------------------------
    def scalar(self, sql: str, **params):
        with self.engine.connect() as connection:
            return connection.execute(text(sql), params).scalar()

    def rows(self, sql: str, **params) -> list:
        with self.engine.connect() as connection:
            return list(connection.execute(text(sql), params).all())

    def jobs_settled(self, kinds: tuple[str, ...]) -> bool:
        """No job of ``kinds`` waiting or running (delayed jobs not yet due do not count)."""
        return self.scalar("SELECT count(*) FROM job WHERE kind = ANY(:kinds) AND (status = 'running' OR "
                           "(status = 'queued' AND run_at <= now()))", kinds=list(kinds)) == 0


def write_article(root: Path, title: str, body: str) -> Path:
    folder = root / SLUG
    folder.mkdir(parents=True, exist_ok=True)
    (root / "_categories.yml").write_text('using-help:\n  position: 1\n  names:\n    en: "Using this help portal"\n',
                                          encoding="utf-8")
    (folder / "en.md").write_text(
        f'---\ntitle: "{title}"\nsummary: "Descale a kettle."\ncategory: "using-help"\nlang: en\n'
        f"status: published\n---\n\n{body}\n", encoding="utf-8")
    return root


def search_total(cluster: Cluster, node: str, query: str) -> int:
    answer = http("GET", cluster.url(node, f"/api/v1/search?lang=en&q={query}"))
    assert answer.status == 200, (node, answer.status, answer.text[:300])
    return answer.json()["total"]


def article_page(cluster: Cluster, node: str) -> str:
    answer = http("GET", cluster.url(node, f"/en/articles/{SLUG}"))
    assert answer.status == 200, (node, answer.status)
    return answer.text


def submit_ticket(cluster: Cluster, node: str, n: int) -> Answer:
    return http("POST", cluster.url(node, "/api/v1/tickets"),
                {"message": f"My kettle number {n} stopped heating after descaling. What can I do?",
                 "email": f"customer{n}@example.com", "language": "en"})


def prove(cluster: Cluster, say: Callable[[str], None] = print) -> list[str]:
    """Run the whole story on ``cluster``; the lines of what was proved."""
    proved: list[str] = []

    def done(line: str) -> None:
        proved.append(line)
        say("PROVED: " + line)

    nodes = ("node-a", "node-b")
    say("migrating the PostgreSQL database")
    cluster.portal("node-a", "db", "upgrade")
    say("migrated")
    for node in nodes:
        cluster.start_node(node)
    cluster.start_worker("worker-1")
    for node in nodes:
        cluster.wait_ready(node)
    say(f"two web nodes on 127.0.0.1:{cluster.ports['node-a']} and :{cluster.ports['node-b']}, one worker")

    # 1. An article imported through the CLI is found by search on both nodes once its jobs ran.
    assert [search_total(cluster, node, WORD) for node in nodes] == [0, 0]  # and that answer is cached
    source = write_article(cluster.root / "kb", "Descale your kettle", f"Use vinegar: {WORD} descaling.")
    cluster.portal("node-a", "kb", "import", str(source))
    wait_for("the import's jobs to run", lambda: cluster.jobs_settled(("index_article",)))
    found = [search_total(cluster, node, WORD) for node in nodes]
    assert found == [1, 1], f"after the index job, search on each node found {found}"
    done("an article imported through the CLI is found by search on both nodes once its jobs ran")

    # 2. A cache entry is invalidated on both: each node keeps the page in memory, another process changes it.
    first = [article_page(cluster, node) for node in nodes]
    assert all("Descale your kettle" in page for page in first)
    assert [article_page(cluster, node) for node in nodes] == first  # served again (from each node's memory)
    write_article(cluster.root / "kb", "Descale your kettle gently", f"Use vinegar: {WORD} descaling.")
    cluster.portal("worker", "kb", "import", str(source))  # a third process, with a directory of its own
    def changed_on(node: str) -> Callable[[], bool]:
        return lambda: "Descale your kettle gently" in article_page(cluster, node)

    for node in nodes:  # the pages' max age is 60 s: within 5 s only the shared signal can explain it
        wait_for(f"{node} to show the changed title", changed_on(node), seconds=5)
    done("a cached page changed by another process is dropped on both nodes (within 5 s; the pages' max age is 60 s)")

    # 3. 200 concurrent ticket submissions spread over both nodes give exactly 200 tickets.
    cluster.stop("worker-1")  # their jobs wait for the crash part below
    before = cluster.scalar("SELECT count(*) FROM support_ticket")
    with ThreadPoolExecutor(max_workers=32) as pool:
        answers = list(pool.map(lambda n: submit_ticket(cluster, nodes[n % 2], n), range(TICKETS)))
    statuses = sorted({answer.status for answer in answers})
    assert statuses == [201], f"ticket submissions answered {statuses}: {answers[0].text[:300]}"
    made = cluster.scalar("SELECT count(*) FROM support_ticket") - before
    references = cluster.scalar("SELECT count(DISTINCT reference) FROM support_ticket")
    assert made == TICKETS and references == made + before, (made, references)
    done(f"{TICKETS} concurrent ticket submissions over both nodes made exactly {made} tickets")

    # 4. kill -9 of the worker mid-job loses nothing and duplicates nothing.
    kind = "process_customer_message"
    waiting = cluster.scalar("SELECT count(*) FROM job WHERE kind = :kind AND status = 'queued'", kind=kind)
    assert waiting >= TICKETS, f"only {waiting} {kind} jobs waiting"
    with cluster.engine.connect() as blocker:
        # The job reads the message it processes: with the table locked, the worker stops mid-job.
        transaction = blocker.begin()
        blocker.execute(text("LOCK TABLE support_message IN ACCESS EXCLUSIVE MODE"))
        worker = cluster.start_worker("worker-2")
        cluster.start_worker("worker-3")  # starts beside it (blocked the same way until the lock goes)
        # Meanwhile the nodes restart with a public-write limit of 20 a minute, for part 5.
        cluster.stop(*nodes)
        for node in nodes:
            cluster.start_node(node, limit=f"{LOW_LIMIT} per minute")
        owner = f"%:{worker.pid}"
        job_id = wait_for("worker-2 to be inside a job", lambda: cluster.scalar(
            "SELECT j.id FROM job j WHERE j.status = 'running' AND j.locked_by LIKE :owner AND EXISTS "
            "(SELECT 1 FROM pg_locks l WHERE NOT l.granted)", owner=owner))
        cluster.kill_9("worker-2")
        transaction.rollback()
    assert cluster.scalar("SELECT status FROM job WHERE id = :id", id=job_id) == "running"
    wait_for("the jobs to be done, the dead worker's one after its lease", lambda: cluster.jobs_settled((kind,)))
    per_message = cluster.rows(
        "SELECT m.id, count(j.id), min(j.status), max(j.attempts) FROM support_message m "
        "LEFT JOIN job j ON j.kind = :kind AND (j.payload->>'message_id')::int = m.id "
        "WHERE m.author_kind = 'customer' GROUP BY m.id", kind=kind)
    assert len(per_message) == TICKETS
    not_once = [row for row in per_message if row[1] != 1 or row[2] != "done"]
    assert not not_once, f"messages not processed exactly once: {not_once[:5]}"
    retried = cluster.rows("SELECT id, attempts, status FROM job WHERE kind = :kind AND attempts > 1", kind=kind)
    assert [row[0] for row in retried] == [job_id], f"jobs run more than once: {retried}"
    done(f"kill -9 of the worker inside job {job_id}: after a new worker started, all {TICKETS} message jobs are "
         "done exactly once (the killed one taken over after its lease), none failed or lost")

    # 5. Rate limits are shared: 20 requests over both nodes, the 21st (on either) refused.
    for node in nodes:
        cluster.wait_ready(node)
    statuses_low = [submit_ticket(cluster, nodes[n % 2], 1000 + n).status for n in range(LOW_LIMIT)]
    assert statuses_low == [201] * LOW_LIMIT, statuses_low
    refused = [submit_ticket(cluster, node, 2000).status for node in nodes]
    assert refused == [429, 429], f"the 21st request was answered {refused}"
    done(f"rate limits are shared: {LOW_LIMIT} ticket requests spread over both nodes accepted, the next one "
         "refused (429) by each node")
    return proved


def main() -> int:
    from tests.support.services import postgres_server, redis_server

    started = time.monotonic()
    root = Path(tempfile.mkdtemp(prefix="portal-two-nodes-"))
    print(f"logs in {root / 'logs'}")
    with postgres_server() as database_url, redis_server() as redis_url:
        print(f"temporary PostgreSQL and redis-server on 127.0.0.1 ({time.monotonic() - started:.1f} s)")
        cluster = Cluster(root, database_url, redis_url)
        try:
            proved = prove(cluster, say=lambda line: print(f"[{time.monotonic() - started:5.1f} s] {line}",
                                                           flush=True))
        finally:
            cluster.close()
        left = cluster.leftovers()
    print(f"\n{len(proved)} things proved in {time.monotonic() - started:.1f} s; "
          f"every process stopped ({'none left' if not left else f'left: {left}'})")
    return 0 if not left else 1


if __name__ == "__main__":
    sys.exit(main())
