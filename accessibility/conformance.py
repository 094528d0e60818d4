"""The accessibility conformance report: hand-reviewed data plus the test suite's evidence.

``accessibility/conformance.toml`` says, for every WCAG 2.2 success criterion of
levels A and AA, how far the portal conforms (in VPAT 2.5 terms), why, and how a
person checks what no test covers (and when they last did). Tests that are
evidence for a criterion say so with ``@pytest.mark.wcag("1.4.3", ...)``. This
module collects those markers from the test suite *without running it* (``pytest
--collect-only`` in a child process with the plugin
:mod:`accessibility.conformance_collect`), so a report can only cite tests that
exist, and writes:

- ``accessibility/CONFORMANCE.md``: the report in the shape of a VPAT 2.5, WCAG
  edition (product, date, evaluation methods, Table 1 Level A, Table 2 Level AA,
  known limitations);
- ``accessibility/conformance.json``: the same data for the ``/<lang>/accessibility``
  page, which so needs neither pytest nor this module's collection at run time.

``python -m accessibility.conformance`` writes both; ``--check`` only says whether
the committed files are current (exit 1 if not). Either refuses (exit 2, nothing
written) when the data or the markers are wrong: an unknown conformance level, a
criterion missing or twice, a marker naming no A/AA criterion, a criterion
claimed as supported with neither a test nor a performed manual check.
"""
from __future__ import annotations

import argparse
import configparser
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PROJECT_ROOT = HERE.parent
DATA = HERE / "conformance.toml"
REPORT_MD = HERE / "CONFORMANCE.md"
REPORT_JSON = HERE / "conformance.json"
COMMAND = "python -m accessibility.conformance"

#: VPAT 2.5 conformance levels: the data's spelling -> the report's.
CONFORMANCE_LEVELS = {
    "supports": "Supports",
    "partially-supports": "Partially Supports",
    "does-not-support": "Does Not Support",
    "not-applicable": "Not Applicable",
}
LEVELS = ("A", "AA")
_CRITERION_KEYS = {"number", "name", "level", "conformance", "remarks", "manual"}
_MANUAL_KEYS = {"procedure", "checked", "findings"}
_REPORT_KEYS = {"product", "description", "date", "standard", "target_level", "scope", "contact",
                "evaluation_methods"}


class ConformanceError(Exception):
    """The data or the test markers are wrong; ``problems`` says each thing, one per line."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class ManualCheck:
    procedure: tuple[str, ...]
    checked: dt.date | None = None
    findings: str = ""


@dataclass(frozen=True)
class Criterion:
    number: str
    name: str
    level: str
    conformance: str
    remarks: str
    manual: ManualCheck | None = None
    tests: tuple[str, ...] = ()

    @property
    def sort_key(self) -> tuple[int, ...]:
        return tuple(int(part) for part in self.number.split("."))


@dataclass(frozen=True)
class Conformance:
    """The hand-reviewed data (conformance.toml), validated."""

    report: dict[str, Any]
    criteria: tuple[Criterion, ...]
    limitations: tuple[dict[str, str], ...] = ()
    removed: tuple[dict[str, str], ...] = ()
    numbers: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "numbers", frozenset(c.number for c in self.criteria))


# --- the data ---------------------------------------------------------------------------

def load(path: Path = DATA) -> Conformance:
    with open(path, "rb") as handle:
        return parse(tomllib.load(handle))


def parse(data: Mapping[str, Any]) -> Conformance:
    """Validate the TOML's contents; every problem found is reported at once."""

    problems: list[str] = []
    report = dict(data.get("report", {}))
    missing = _REPORT_KEYS - report.keys()
    if missing:
        problems.append(f"[report] lacks {sorted(missing)}")
    if "date" in report and not isinstance(report["date"], dt.date):
        problems.append("[report] date must be a TOML date (2026-12-03)")
    unknown = set(data) - {"report", "criterion", "limitation", "removed"}
    if unknown:
        problems.append(f"unknown tables {sorted(unknown)}")
    criteria = []
    seen: set[str] = set()
    for index, entry in enumerate(data.get("criterion", [])):
        where = f"criterion {entry.get('number', f'#{index + 1}')}"
        extra = set(entry) - _CRITERION_KEYS
        if extra:
            problems.append(f"{where}: unknown keys {sorted(extra)}")
        lacking = {"number", "name", "level", "conformance", "remarks"} - entry.keys()
        if lacking:
            problems.append(f"{where}: lacks {sorted(lacking)}")
            continue
        if entry["number"] in seen:
            problems.append(f"{where}: listed twice")
        seen.add(entry["number"])
        if entry["level"] not in LEVELS:
            problems.append(f"{where}: level {entry['level']!r} is not one of {list(LEVELS)}")
        if entry["conformance"] not in CONFORMANCE_LEVELS:
            problems.append(f"{where}: conformance {entry['conformance']!r} is not one of "
                            f"{list(CONFORMANCE_LEVELS)}")
        if not str(entry["remarks"]).strip():
            problems.append(f"{where}: empty remarks")
        if "`" in str(entry["remarks"]):
            problems.append(f"{where}: remarks are plain text (the accessibility page shows them as is): no `")
        manual = None
        if "manual" in entry:
            manual, manual_problems = _manual(where, entry["manual"])
            problems.extend(manual_problems)
        criteria.append(Criterion(str(entry["number"]), str(entry["name"]), str(entry["level"]),
                                  str(entry["conformance"]), " ".join(str(entry["remarks"]).split()), manual))
    limitations = tuple({"title": str(item["title"]), "text": " ".join(str(item["text"]).split())}
                        for item in data.get("limitation", []))
    problems.extend(f"limitation {item['title']!r}: plain text (the accessibility page shows it as is): no `"
                    for item in limitations if "`" in item["title"] + item["text"])
    removed = tuple({key: " ".join(str(value).split()) for key, value in item.items()}
                    for item in data.get("removed", []))
    if problems:
        raise ConformanceError(problems)
    criteria.sort(key=lambda c: c.sort_key)
    return Conformance(report, tuple(criteria), limitations, removed)


def _manual(where: str, manual: Any) -> tuple[ManualCheck | None, list[str]]:
    if not isinstance(manual, dict):
        return None, [f"{where}: manual must be a table"]
    problems = []
    extra = set(manual) - _MANUAL_KEYS
    if extra:
        problems.append(f"{where}: unknown manual keys {sorted(extra)}")
    procedure = manual.get("procedure")
    if not isinstance(procedure, list) or not procedure or not all(isinstance(s, str) and s for s in procedure):
        problems.append(f"{where}: manual.procedure must be a list of steps")
        procedure = []
    checked = manual.get("checked")
    if checked is not None and (not isinstance(checked, dt.date) or isinstance(checked, dt.datetime)):
        problems.append(f"{where}: manual.checked must be a TOML date, or left out if not yet performed")
        checked = None
    return ManualCheck(tuple(" ".join(step.split()) for step in procedure), checked,
                       " ".join(str(manual.get("findings", "")).split())), problems


# --- the evidence -----------------------------------------------------------------------

def collect_evidence(root: Path = PROJECT_ROOT, paths: Sequence[str] = ()) -> dict[str, list[list[str]]]:
    """The ``wcag`` markers of the tests under ``root``: node id -> the markers' arguments.

    Runs ``pytest --collect-only`` in a child process (nothing is run, and this
    process imports no test module). Raises :class:`ConformanceError` when a test
    file cannot be collected or skips itself at collection: its markers would be
    missing from the report without anyone noticing.
    """

    with tempfile.TemporaryDirectory(prefix="wcag-evidence-") as scratch:
        out = Path(scratch) / "evidence.json"
        env = {key: value for key, value in os.environ.items()
               if not key.startswith("PYTEST_") or key == "PYTEST_DISABLE_PLUGIN_AUTOLOAD"}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
        command = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                   "-p", "accessibility.conformance_collect", "--wcag-evidence", str(out), *paths]
        completed = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, check=False,
                                   timeout=600)
        if not out.exists():
            raise ConformanceError([f"collecting the tests failed (exit {completed.returncode}):",
                                    *(completed.stdout + completed.stderr).strip().splitlines()[-30:]])
        evidence = json.loads(out.read_text(encoding="utf-8"))
    if evidence["not_collected"]:
        raise ConformanceError(["these could not be collected, so their wcag markers are unknown "
                                "(a test that skips itself must do it inside the test or a fixture):",
                                *evidence["not_collected"]])
    return evidence["tests"]


def check_markers(evidence: Mapping[str, Sequence[Sequence[str]]], numbers: Iterable[str]) -> list[str]:
    """Problems with the markers: empty, or naming something that is no A/AA criterion of the data."""

    known = set(numbers)
    problems = []
    for node, marks in sorted(evidence.items()):
        for args in marks:
            if not args:
                problems.append(f"{node}: wcag marker without criteria")
            for arg in args:
                if arg not in known:
                    problems.append(f"{node}: wcag({arg!r}) names no WCAG 2.2 level A or AA success criterion")
    return problems


def with_evidence(conformance: Conformance, evidence: Mapping[str, Sequence[Sequence[str]]]) -> Conformance:
    """The criteria with the tests that are their evidence; refuses on a bad marker or an unproven claim."""

    problems = check_markers(evidence, conformance.numbers)
    tests: dict[str, set[str]] = {number: set() for number in conformance.numbers}
    for node, marks in evidence.items():
        for args in marks:
            for arg in args:
                if arg in tests:
                    tests[arg].add(node)
    criteria = []
    for criterion in conformance.criteria:
        cited = tuple(sorted(tests[criterion.number]))
        performed = criterion.manual is not None and criterion.manual.checked is not None
        if criterion.conformance == "supports" and not cited and not performed:
            problems.append(f"{criterion.number} {criterion.name}: claimed as supported with no test "
                            "(wcag marker) and no performed manual check (manual.checked)")
        if not cited and criterion.manual is None:
            problems.append(f"{criterion.number} {criterion.name}: no test covers it, so it needs a "
                            "manual.procedure")
        criteria.append(Criterion(criterion.number, criterion.name, criterion.level, criterion.conformance,
                                  criterion.remarks, criterion.manual, cited))
    if problems:
        raise ConformanceError(problems)
    return Conformance(conformance.report, tuple(criteria), conformance.limitations, conformance.removed)


def product_version(root: Path = PROJECT_ROOT) -> str:
    config = configparser.ConfigParser()
    config.read(root / "setup.cfg", encoding="utf-8")
    return config.get("metadata", "version", fallback="unknown")


# --- the outputs ------------------------------------------------------------------------

def counts(conformance: Conformance) -> dict[str, Any]:
    by_level: dict[str, dict[str, int]] = {}
    for level in LEVELS:
        in_level = [c for c in conformance.criteria if c.level == level]
        by_level[level] = {value: sum(c.conformance == value for c in in_level) for value in CONFORMANCE_LEVELS}
    return {
        "criteria": len(conformance.criteria),
        "by_conformance": {value: sum(c.conformance == value for c in conformance.criteria)
                           for value in CONFORMANCE_LEVELS},
        "by_level": by_level,
        "with_tests": sum(bool(c.tests) for c in conformance.criteria),
        "with_performed_manual_check": sum(bool(c.manual and c.manual.checked) for c in conformance.criteria),
    }


def to_json(conformance: Conformance, version: str) -> str:
    report = conformance.report
    document = {
        "generated_by": COMMAND,
        "product": report["product"],
        "version": version,
        "date": report["date"].isoformat(),
        "standard": report["standard"],
        "target_level": report["target_level"],
        "counts": counts(conformance),
        "criteria": [
            {
                "number": c.number, "name": c.name, "level": c.level, "conformance": c.conformance,
                "remarks": c.remarks, "tests": list(c.tests),
                "manual": None if c.manual is None else {
                    "procedure": list(c.manual.procedure),
                    "checked": c.manual.checked.isoformat() if c.manual.checked else None,
                    "findings": c.manual.findings,
                },
            }
            for c in conformance.criteria
        ],
        "removed": list(conformance.removed),
        "limitations": list(conformance.limitations),
    }
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _evidence_cell(criterion: Criterion) -> str:
    parts = [f"Test: `{test}`" for test in criterion.tests]
    if criterion.manual is not None:
        when = (f"last performed {criterion.manual.checked.isoformat()}" if criterion.manual.checked
                else "not yet performed")
        steps = " ".join(f"({n}) {step}" for n, step in enumerate(criterion.manual.procedure, 1))
        parts.append(f"Manual check, {when}: {steps}")
        if criterion.manual.findings:
            parts.append(f"Found: {criterion.manual.findings}")
    return "<br>".join(_cell(part) for part in parts)


def to_markdown(conformance: Conformance, version: str) -> str:
    report = conformance.report
    numbers = counts(conformance)
    lines = [
        "<!-- Generated by `python -m accessibility.conformance` from accessibility/conformance.toml and the",
        "     wcag markers of the tests. Do not edit: change those and run the command again. -->",
        f"# {report['product']} Accessibility Conformance Report",
        "",
        "WCAG Edition, based on VPAT® Version 2.5",
        "",
        f"**Name of Product/Version:** {report['product']} {version}",
        "",
        f"**Report Date:** {report['date'].isoformat()}",
        "",
        f"**Product Description:** {' '.join(report['description'].split())}",
        "",
        f"**Contact Information:** {' '.join(report['contact'].split())}",
        "",
        f"**Notes:** Scope: {' '.join(report['scope'].split())} Of the {numbers['criteria']} success criteria, "
        f"{numbers['with_tests']} have automated tests as evidence and "
        f"{numbers['with_performed_manual_check']} a dated manual check.",
        "",
        "**Evaluation Methods Used:**",
        "",
        *[f"- {' '.join(method.split())}" for method in report["evaluation_methods"]],
        "",
        "## Applicable Standards/Guidelines",
        "",
        "| Standard/Guideline | Included In Report |",
        "|---|---|",
        "| [Web Content Accessibility Guidelines 2.2](https://www.w3.org/TR/WCAG22/) "
        "| Level A (Yes), Level AA (Yes), Level AAA (No) |",
        "",
        "## Terms",
        "",
        "- **Supports**: the functionality of the product has at least one method that meets the criterion "
        "without known defects or meets with equivalent facilitation.",
        "- **Partially Supports**: some functionality of the product does not meet the criterion.",
        "- **Does Not Support**: the majority of product functionality does not meet the criterion.",
        "- **Not Applicable**: the criterion is not relevant to the product.",
        "",
        "## Summary",
        "",
        "| Level | " + " | ".join(CONFORMANCE_LEVELS.values()) + " |",
        "|---|" + "---|" * len(CONFORMANCE_LEVELS),
    ]
    for level in LEVELS:
        row = numbers["by_level"][level]
        lines.append(f"| {level} | " + " | ".join(str(row[value]) for value in CONFORMANCE_LEVELS) + " |")
    lines += ["", "## WCAG 2.2 Report", ""]
    for table, level in ((1, "A"), (2, "AA")):
        lines += [
            f"### Table {table}: Success Criteria, Level {level}",
            "",
            "| Criteria | Conformance Level | Remarks and Explanations | Evidence |",
            "|---|---|---|---|",
        ]
        for c in conformance.criteria:
            if c.level == level:
                lines.append(f"| {c.number} {_cell(c.name)} (Level {c.level}) | {CONFORMANCE_LEVELS[c.conformance]} "
                             f"| {_cell(c.remarks)} | {_evidence_cell(c)} |")
        lines.append("")
    if conformance.removed:
        lines += ["### Removed in WCAG 2.2", ""]
        lines += [f"- {item['number']} {item['name']} (Level {item['level']}): {item['note']}"
                  for item in conformance.removed]
        lines.append("")
    lines += ["## Known Limitations", ""]
    lines += [f"- **{item['title']}.** {item['text']}" for item in conformance.limitations]
    partial = [c for c in conformance.criteria if c.conformance in ("partially-supports", "does-not-support")]
    if partial:
        lines += ["", "Criteria not fully supported:", ""]
        lines += [f"- {c.number} {c.name} ({CONFORMANCE_LEVELS[c.conformance]}): {c.remarks}" for c in partial]
    return "\n".join(lines) + "\n"


def generate(root: Path = PROJECT_ROOT, data: Path = DATA,
             evidence: Mapping[str, Sequence[Sequence[str]]] | None = None) -> dict[Path, str]:
    """The report's files and their contents (raises :class:`ConformanceError` on bad data or markers)."""

    conformance = with_evidence(load(data), collect_evidence(root) if evidence is None else evidence)
    version = product_version(root)
    return {REPORT_MD: to_markdown(conformance, version), REPORT_JSON: to_json(conformance, version)}


def stale(outputs: Mapping[Path, str]) -> list[Path]:
    """The files whose committed contents differ from ``outputs`` (what :func:`generate` gives now)."""

    return [path for path, text in outputs.items() if not path.exists() or path.read_text(encoding="utf-8") != text]


def read_published(path: Path = REPORT_JSON) -> dict[str, Any]:
    """The generated report (conformance.json) as the accessibility page shows it, with its date as a date."""

    report = json.loads(path.read_text(encoding="utf-8"))
    report["date"] = dt.date.fromisoformat(report["date"])
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if the committed report is not what the data and tests give")
    args = parser.parse_args(argv)
    try:
        outputs = generate()
    except ConformanceError as exc:
        print("conformance report not written:", *exc.problems, sep="\n  ", file=sys.stderr)
        return 2
    outdated = stale(outputs)
    if args.check:
        for path in outdated:
            print(f"{path.relative_to(PROJECT_ROOT)} is out of date: run `{COMMAND}`", file=sys.stderr)
        return 1 if outdated else 0
    for path in outdated:
        path.write_text(outputs[path], encoding="utf-8")
        print(f"wrote {path.relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
