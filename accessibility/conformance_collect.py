"""A pytest plugin that writes down the ``wcag`` markers of the collected tests, running none.

:mod:`accessibility.conformance` loads it into ``pytest --collect-only`` in a child
process (``-p accessibility.conformance_collect --wcag-evidence FILE``). The file is JSON::

    {"tests": {"tests/test_x.py::test_y": [["1.4.3"], ["2.4.7", "1.4.11"]]},
     "not_collected": ["tests/test_z.py: <why>"]}

A test is named by its node id without parameters (``test_y``, not ``test_y[en]``):
a parametrised test is one piece of evidence. Its list holds the arguments of each
``wcag`` marker on any of its parameter sets, module or class, as given (checking
them is the generator's job). ``not_collected`` lists the files and classes pytest
could not collect, or that skipped themselves at collection: their markers are
unknown, so the generator refuses to write a report without them.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

#: Collectors that failed or skipped themselves, in this (child) process.
_not_collected: list[str] = []


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--wcag-evidence", metavar="FILE", default=None,
                     help="write the wcag markers of the collected tests to FILE (JSON)")


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.failed or report.skipped:
        lines = str(report.longrepr).strip().splitlines() if report.longrepr else []
        reason = lines[-1] if lines else "no reason given"
        _not_collected.append(f"{report.nodeid}: {'skipped' if report.skipped else 'error'}: {reason}")


def pytest_collection_finish(session: pytest.Session) -> None:
    target = session.config.getoption("wcag_evidence")
    if not target:
        return
    tests: dict[str, list[list[Any]]] = {}
    for item in session.items:
        node = item.nodeid.partition("[")[0]
        marks = tests.setdefault(node, [])
        for mark in item.iter_markers("wcag"):
            args = [arg if isinstance(arg, str) else repr(arg) for arg in mark.args]
            if mark.kwargs:
                args.append(f"keyword arguments {sorted(mark.kwargs)}")
            if args not in marks:
                marks.append(args)
    evidence = {"tests": {node: marks for node, marks in tests.items() if marks},
                "not_collected": _not_collected}
    Path(target).write_text(json.dumps(evidence, indent=1, sort_keys=True), encoding="utf-8")
