"""The code checks run with the tests: ruff (style, import order, bugbear, pyupgrade), mypy,
the import-layer contracts (import-linter) and the absence of import cycles.

All read their configuration from the project (``pyproject.toml`` for ruff,
``setup.cfg`` for mypy and import-linter), so running ``ruff check .``, ``mypy``
or ``lint-imports`` by hand gives the same answer. Each check is also shown to
fail on code that breaks it.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

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


def test_the_import_layer_contracts_are_kept():
    lint_imports = Path(sys.executable).parent / "lint-imports"  # installed beside this interpreter
    result = subprocess.run([str(lint_imports), "--no-cache"], cwd=PROJECT_ROOT, capture_output=True, text=True,
                            timeout=600, check=False)
    assert result.returncode == 0 and "0 broken" in result.stdout, result.stdout + result.stderr


def test_the_import_layer_check_refuses_a_forbidden_import(tmp_path):
    package = tmp_path / "layered"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "high.py").write_text("")
    (package / "low.py").write_text("def later():\n    import layered.high  # hidden in a function\n")
    config = tmp_path / "setup.cfg"
    config.write_text("[importlinter]\nroot_package = layered\n\n[importlinter:contract:layers]\n"
                      "name = low does not import high\ntype = forbidden\nsource_modules = layered.low\n"
                      "forbidden_modules = layered.high\n")
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint_imports), "--no-cache", "--config", str(config)], cwd=tmp_path,
                            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path)}, capture_output=True,
                            text=True, timeout=600, check=False)
    assert result.returncode == 1 and "BROKEN" in result.stdout, result.stdout + result.stderr


def import_cycles(*packages: str) -> list[list[str]]:
    """Groups of modules that import each other, directly or through others (function-local imports count;
    imports for type checkers only do not: they never run)."""
    graph = grimp.build_graph(*packages, include_external_packages=False, exclude_type_checking_imports=True)
    modules = sorted(graph.modules)
    imports = {module: sorted(graph.find_modules_directly_imported_by(module)) for module in modules}
    order: dict[str, int] = {}
    lowest: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(module: str) -> None:  # Tarjan's strongly connected components
        order[module] = lowest[module] = len(order)
        stack.append(module)
        on_stack.add(module)
        for imported in imports[module]:
            if imported not in order:
                visit(imported)
                lowest[module] = min(lowest[module], lowest[imported])
            elif imported in on_stack:
                lowest[module] = min(lowest[module], order[imported])
        if lowest[module] == order[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for module in modules:
        if module not in order:
            visit(module)
    return cycles


def test_no_module_imports_itself_through_others():
    assert import_cycles("portal", "accessibility") == []


def test_the_cycle_check_finds_a_cycle_hidden_in_a_function(tmp_path, monkeypatch):
    package = tmp_path / "cyclic"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from cyclic.b import helper\n\n\ndef used():\n    return helper()\n")
    (package / "b.py").write_text("def helper():\n"
                                  "    from cyclic.a import used  # hidden in a function\n"
                                  "    return used\n")
    (package / "c.py").write_text("import cyclic.a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert import_cycles("cyclic") == [["cyclic.a", "cyclic.b"]]


#: The attributes that hold a state from the vocabulary, and the enums that name their values.
def _vocabulary() -> dict[str, set[str]]:
    from portal.jobs.models import JobStatus
    from portal.kb.models import VersionKind, VersionStatus
    from portal.studio.segment_states import SegmentState
    from portal.studio.workflow import ReviewState
    from portal.support.models import AuthorKind, TicketStatus
    from portal.support.triage import Urgency

    return {"kind": {*VersionKind}, "status": {*VersionStatus, *TicketStatus, *JobStatus},
            "review_state": {*ReviewState}, "urgency": {*Urgency}, "author_kind": {*AuthorKind},
            "state": {*SegmentState}}


def _states_spelled_out(source: str, vocabulary: dict[str, set[str]]) -> list[str]:
    """Comparisons of a state attribute with a string literal (``version.kind == "machine"``)."""
    import ast

    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Compare):
            continue
        sides = [node.left, *node.comparators]
        names = {side.attr for side in sides if isinstance(side, ast.Attribute)}
        values = set()
        for side in sides:
            items = side.elts if isinstance(side, ast.Tuple | ast.List | ast.Set) else [side]
            values |= {item.value for item in items if isinstance(item, ast.Constant) and isinstance(item.value, str)}
        for name in names & vocabulary.keys():
            if values & vocabulary[name]:
                found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


def test_states_are_named_by_their_enums_not_spelled_out():
    vocabulary = _vocabulary()
    spelled = {str(path.relative_to(PROJECT_ROOT)): found
               for path in sorted((PROJECT_ROOT / "portal").rglob("*.py"))
               if (found := _states_spelled_out(path.read_text(encoding="utf-8"), vocabulary))}
    assert spelled == {}


def test_the_vocabulary_check_finds_a_state_spelled_out():
    vocabulary = _vocabulary()
    assert _states_spelled_out('if version.kind == "machine":\n    pass\n', vocabulary)
    assert _states_spelled_out('ready = ticket.status in ("open", "waiting")\n', vocabulary)
    assert _states_spelled_out('x = "machine" != job.status or version.review_state != "approved"\n', vocabulary)
    assert not _states_spelled_out("if version.kind == VersionKind.MACHINE:\n    pass\n", vocabulary)
    assert not _states_spelled_out('if request.method == "draft":\n    pass\n', vocabulary)  # not a state attribute


def _uncommented_local_imports(source: str) -> list[int]:
    """Lines of imports inside functions with no comment saying why (on the line, the line above,
    or above the group of imports it belongs to)."""
    import ast

    lines = source.split("\n")
    found = []
    for function in ast.walk(ast.parse(source)):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        explained_until = -1  # the last line of a group of imports a comment explains
        for node in ast.walk(function):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            own = lines[node.lineno - 1:node.end_lineno]
            above = lines[node.lineno - 2].strip() if node.lineno >= 2 else ""
            if any("#" in line for line in own) or above.startswith("#") or explained_until == node.lineno - 1:
                explained_until = node.end_lineno
            else:
                found.append(node.lineno)
    return found


def test_imports_inside_functions_say_why():
    unexplained = {str(path.relative_to(PROJECT_ROOT)): found
                   for path in sorted((PROJECT_ROOT / "portal").rglob("*.py")) if "migrations" not in path.parts
                   if (found := _uncommented_local_imports(path.read_text(encoding="utf-8")))}
    assert unexplained == {}


def test_the_local_import_check_finds_an_unexplained_one():
    assert _uncommented_local_imports("def f():\n    import json\n    return json\n") == [2]
    assert _uncommented_local_imports("def f():\n    import torch  # heavy: worker only\n") == []
    assert _uncommented_local_imports("def f():\n    # heavy: worker only\n    import torch\n    import numpy\n"
                                      "    x = 1\n    import json\n") == [6]
