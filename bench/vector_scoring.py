"""Exact passage-vector scoring as the web process does it, by corpus size (ADR 0013).

Run: .venv/bin/python bench/vector_scoring.py [--sizes 10000,50000,200000,1000000] [--queries 200]

For each size: random unit vectors (384 dimensions, float32, as multilingual-e5-small
gives) loaded into ``DatabaseVectorIndex`` as a refresh leaves them, then
``nearest(query, 400)`` (the matrix product, the hub penalty and the top-400
selection the pipeline asks for) timed for each query: median and p95, and the
ratio to the smallest size measured in the same run. Also the cost of a reload
(normalising and the hub penalty against the 65 background questions, done once
per generation in each process) and the matrix's memory per web process. numpy
runs on one BLAS thread, as in the portal (portal/__init__.py). Asserts nothing.
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from _common import percentile  # noqa: E402 - _common puts the project on the path first

from portal.search.hybrid import HUB_WEIGHT, hubness
from portal.search.vectors import DatabaseVectorIndex

DIM = 384
BACKGROUND = 65  # the background questions of portal/search/background.txt
K = 400  # what SearchService._dense asks for


def unit_rows(rng: np.random.Generator, count: int) -> np.ndarray:
    rows = rng.standard_normal((count, DIM), dtype=np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    return rows


def loaded_index(matrix: np.ndarray, penalty: np.ndarray) -> DatabaseVectorIndex:
    """An index holding ``matrix`` as a refresh leaves it (the rows' database reading is not timed here)."""
    index = DatabaseVectorIndex(lambda: None, "bench", DIM)  # type: ignore[arg-type, return-value]
    count = len(matrix)
    index._matrix, index._penalty = matrix, penalty
    index._ids = np.arange(1, count + 1, dtype=np.int64)
    index._refs = [(f"a{i // 8}", "en", i % 8) for i in range(count)]
    index._generation = (count, count)
    return index


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,50000,200000,1000000")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    rng = np.random.default_rng(14)
    background = unit_rows(rng, BACKGROUND)
    queries = unit_rows(rng, args.queries)
    baseline = None
    print(f"exact scoring, {DIM} dims float32, top {K}, {args.queries} queries per size, one BLAS thread")
    for size in (int(part) for part in args.sizes.split(",")):
        raw = rng.standard_normal((size, DIM), dtype=np.float32)
        started = time.perf_counter()
        matrix = (raw / np.maximum(np.linalg.norm(raw, axis=1, keepdims=True), 1e-12)).astype(np.float32)
        penalty = HUB_WEIGHT * hubness(matrix, background)
        reload_ms = (time.perf_counter() - started) * 1000
        del raw
        index = loaded_index(matrix, penalty)
        index.nearest(queries[0], K)  # warm the caches
        times = []
        for query in queries:
            started = time.perf_counter()
            index.nearest(query, K)
            times.append((time.perf_counter() - started) * 1000)
        median, p95 = statistics.median(times), percentile(times, 0.95)
        baseline = baseline or median
        print(f"{size:>9} passages: median {median:8.2f} ms, p95 {p95:8.2f} ms, best {min(times):8.2f} ms, "
              f"x{median / baseline:6.1f} the smallest; reload (normalise + hub penalty) {reload_ms:8.0f} ms; "
              f"matrix {matrix.nbytes / 2**20:7.0f} MiB")
        del index, matrix, penalty


if __name__ == "__main__":
    main()
