"""Two web nodes and one worker, proven (issue #14, item 4): real `portal serve` and `portal worker`
processes over the session's PostgreSQL and redis-server, configured by environment variables only.

The story is tests/support/two_nodes.py (also `make two-nodes`, which prints what it proves):
search on both nodes after a CLI import, a cached page dropped on both when another process
changes it, 200 concurrent tickets over both nodes, kill -9 of the worker mid-job on PostgreSQL,
and one rate limit counted across both nodes.
"""
from __future__ import annotations

import pytest

from tests.support.two_nodes import Cluster, prove

pytestmark = pytest.mark.slow


def test_two_web_nodes_and_one_worker_agree(tmp_path, postgres_database, redis_server_url):
    cluster = Cluster(tmp_path, postgres_database, redis_server_url)
    try:
        try:
            proved = prove(cluster, say=lambda line: None)
        except AssertionError:
            for name in sorted(p.stem for p in (tmp_path / "logs").glob("*.log")):
                print(f"--- {name} ---\n{cluster.log_tail(name)}")
            raise
    finally:
        cluster.close()
    assert len(proved) == 5
    assert cluster.leftovers() == []  # every process of the run is gone
