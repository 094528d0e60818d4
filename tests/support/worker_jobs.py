"""Job kinds for tests of real worker processes: ``python -m tests.support.worker_jobs worker ...``.

``test_gated`` jobs connect to the test's socket, say which process runs them and
wait for its answer ("go"), so a test knows a job is mid-run and decides when it
may end: no sleeps. Their only effect is a delayed ``test_effect`` job, enqueued in
the job's own transaction, so it exists exactly once per finished run.
"""
from __future__ import annotations

import os
import socket
from datetime import timedelta

from portal.jobs import JobContext, enqueue, register

EFFECT = "test_effect"


def _wait_for_go(address: tuple[str, int]) -> None:
    with socket.create_connection(address) as connection:
        connection.sendall(f"{os.getpid()}\n".encode())
        reply = connection.makefile().readline().strip()
    if reply != "go":
        raise RuntimeError(f"the test said {reply!r}")


@register("test_gated")
def gated(payload: dict, job: JobContext) -> dict:
    address = (payload["host"], payload["port"]) if payload.get("port") else None
    if address and payload.get("effect_first"):
        # The effect is flushed, not committed, while the test holds the job: a killed
        # worker leaves an open transaction that the server must roll back.
        enqueue(job.session, EFFECT, {"n": payload["n"]}, delay=timedelta(days=1))
        _wait_for_go(address)
        return {"pid": os.getpid()}
    if address:
        _wait_for_go(address)  # before writing: SQLite lets one writer at a time
    enqueue(job.session, EFFECT, {"n": payload["n"]}, delay=timedelta(days=1))
    return {"pid": os.getpid()}


if __name__ == "__main__":
    from portal.cli import main

    main(prog_name="portal")
