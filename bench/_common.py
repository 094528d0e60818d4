"""Shared helpers for the benchmarks: figures, a temporary portal, the corpus."""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import portal  # noqa: E402, F401 - after the path is set; first, as in wsgi.py: it limits numpy's BLAS threads

GNOME = ROOT.parent / "shared" / "corpora" / "gnome-help" / "kb_articles"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def summary(values: list[float], unit: str = "ms") -> str:
    return f"median {statistics.median(values):.3f} {unit}, p95 {percentile(values, 0.95):.3f} {unit} (n={len(values)})"


def timed(func, *args, **kwargs):
    started = time.perf_counter()
    result = func(*args, **kwargs)
    return result, (time.perf_counter() - started) * 1000


def temporary_app(**settings):
    """A portal on a fresh temporary data dir with the schema migrated."""
    from flask_migrate import upgrade

    from portal import create_app

    data_dir = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    settings = {"data_dir": data_dir, "search_index_dir": data_dir / "index", **settings}
    app = create_app(settings)
    with app.app_context():
        upgrade()
    app.extensions["bench_settings"] = settings  # another process opens the same portal with them
    return app


def require_corpus() -> bool:
    if not GNOME.is_dir():
        print(f"GNOME Help corpus not found at {GNOME}: skipping the corpus figures")
        return False
    return True
