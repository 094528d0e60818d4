"""The code checks run with the tests: ruff (style, import order, bugbear, pyupgrade) and mypy.

Both read their configuration from the project (``pyproject.toml`` for ruff,
``setup.cfg`` for mypy), so running ``ruff check .`` or ``mypy`` by hand gives
the same answer. Each check is also shown to fail on a file that breaks it.
"""
from __future__ import annotations

import subprocess
import sys

from portal.config import PROJECT_ROOT

CACHE = PROJECT_ROOT / ".cache"


def _run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *command], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=600, check=False)


def _ruff(*paths: str) -> subprocess.CompletedProcess:
    return _run("ruff", "check", "--no-fix", "--cache-dir", str(CACHE / "ruff"), *paths)


def _mypy(*args: str) -> subprocess.CompletedProcess:
    return _run("mypy", "--cache-dir", str(CACHE / "mypy"), *args)


def test_ruff_finds_nothing_in_the_project():
    result = _ruff(".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_refuses_unsorted_imports_bugbear_findings_and_long_lines(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import sys\nimport os\n\n\ndef f(items=[]):\n    return zip(items, items)\n\n\n"
                   f"X = {'1' * 130}\n")
    result = _ruff("--config", str(PROJECT_ROOT / "pyproject.toml"), str(bad))
    assert result.returncode == 1
    for rule in ("I001", "B006", "B905", "E501"):
        assert rule in result.stdout, (rule, result.stdout)


def test_mypy_finds_nothing_in_the_package():
    result = _mypy()
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_refuses_a_type_error_in_a_new_module(tmp_path):
    bad = tmp_path / "bad_module.py"
    bad.write_text("def length(text: str) -> int:\n    return len(text)\n\n\nlength(3)\n")
    result = _mypy("--config-file", str(PROJECT_ROOT / "setup.cfg"), str(bad))
    assert result.returncode == 1 and "arg-type" in result.stdout, result.stdout
