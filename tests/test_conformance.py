"""The accessibility conformance report (accessibility/conformance.py): current, complete, and honest.

The report is made from hand-reviewed data (accessibility/conformance.toml) and the
``wcag`` markers of the tests, collected without running them. Each check here is
also shown to fail on data or markers that break it.
"""
from __future__ import annotations

import copy
import datetime as dt
import json
import textwrap
import tomllib

import pytest

from accessibility import conformance
from accessibility.conformance import COMMAND, DATA, REPORT_JSON, REPORT_MD, ConformanceError

#: Every WCAG 2.2 success criterion of levels A and AA (https://www.w3.org/TR/WCAG22/), 4.1.1 Parsing
#: being obsolete and removed: number -> (short name, level). 31 at level A, 24 at level AA.
WCAG22_A_AA = {
    "1.1.1": ("Non-text Content", "A"),
    "1.2.1": ("Audio-only and Video-only (Prerecorded)", "A"),
    "1.2.2": ("Captions (Prerecorded)", "A"),
    "1.2.3": ("Audio Description or Media Alternative (Prerecorded)", "A"),
    "1.2.4": ("Captions (Live)", "AA"),
    "1.2.5": ("Audio Description (Prerecorded)", "AA"),
    "1.3.1": ("Info and Relationships", "A"),
    "1.3.2": ("Meaningful Sequence", "A"),
    "1.3.3": ("Sensory Characteristics", "A"),
    "1.3.4": ("Orientation", "AA"),
    "1.3.5": ("Identify Input Purpose", "AA"),
    "1.4.1": ("Use of Color", "A"),
    "1.4.2": ("Audio Control", "A"),
    "1.4.3": ("Contrast (Minimum)", "AA"),
    "1.4.4": ("Resize Text", "AA"),
    "1.4.5": ("Images of Text", "AA"),
    "1.4.10": ("Reflow", "AA"),
    "1.4.11": ("Non-text Contrast", "AA"),
    "1.4.12": ("Text Spacing", "AA"),
    "1.4.13": ("Content on Hover or Focus", "AA"),
    "2.1.1": ("Keyboard", "A"),
    "2.1.2": ("No Keyboard Trap", "A"),
    "2.1.4": ("Character Key Shortcuts", "A"),
    "2.2.1": ("Timing Adjustable", "A"),
    "2.2.2": ("Pause, Stop, Hide", "A"),
    "2.3.1": ("Three Flashes or Below Threshold", "A"),
    "2.4.1": ("Bypass Blocks", "A"),
    "2.4.2": ("Page Titled", "A"),
    "2.4.3": ("Focus Order", "A"),
    "2.4.4": ("Link Purpose (In Context)", "A"),
    "2.4.5": ("Multiple Ways", "AA"),
    "2.4.6": ("Headings and Labels", "AA"),
    "2.4.7": ("Focus Visible", "AA"),
    "2.4.11": ("Focus Not Obscured (Minimum)", "AA"),
    "2.5.1": ("Pointer Gestures", "A"),
    "2.5.2": ("Pointer Cancellation", "A"),
    "2.5.3": ("Label in Name", "A"),
    "2.5.4": ("Motion Actuation", "A"),
    "2.5.7": ("Dragging Movements", "AA"),
    "2.5.8": ("Target Size (Minimum)", "AA"),
    "3.1.1": ("Language of Page", "A"),
    "3.1.2": ("Language of Parts", "AA"),
    "3.2.1": ("On Focus", "A"),
    "3.2.2": ("On Input", "A"),
    "3.2.3": ("Consistent Navigation", "AA"),
    "3.2.4": ("Consistent Identification", "AA"),
    "3.2.6": ("Consistent Help", "A"),
    "3.3.1": ("Error Identification", "A"),
    "3.3.2": ("Labels or Instructions", "A"),
    "3.3.3": ("Error Suggestion", "AA"),
    "3.3.4": ("Error Prevention (Legal, Financial, Data)", "AA"),
    "3.3.7": ("Redundant Entry", "A"),
    "3.3.8": ("Accessible Authentication (Minimum)", "AA"),
    "4.1.2": ("Name, Role, Value", "A"),
    "4.1.3": ("Status Messages", "AA"),
}


@pytest.fixture(scope="module")
def evidence():
    """The wcag markers of this test suite, collected once (``pytest --collect-only`` in a child process)."""
    return conformance.collect_evidence()


@pytest.fixture
def raw():
    """conformance.toml as parsed TOML, to break on purpose."""
    with open(DATA, "rb") as handle:
        return tomllib.load(handle)


def _criterion(data: dict, number: str) -> dict:
    return next(entry for entry in data["criterion"] if entry["number"] == number)


# --- (a) the committed report is what the generator gives now ----------------------------------

def test_committed_report_is_what_the_generator_gives_now(evidence):
    outputs = conformance.generate(evidence=evidence)
    assert set(outputs) == {REPORT_MD, REPORT_JSON}
    outdated = [path.name for path in conformance.stale(outputs)]
    assert not outdated, f"{', '.join(outdated)} out of date: run `{COMMAND}` and commit the result"


def test_a_marker_added_without_regenerating_makes_the_report_stale(evidence):
    added = {**evidence, "tests/test_new.py::test_contrast_of_something": [["1.4.3"]]}
    outputs = conformance.generate(evidence=added)
    assert sorted(conformance.stale(outputs)) == sorted([REPORT_MD, REPORT_JSON])
    assert "tests/test_new.py::test_contrast_of_something" in outputs[REPORT_MD]


def test_a_marker_removed_without_regenerating_makes_the_report_stale(evidence):
    cited = "tests/browser/test_keyboard_and_layout.py::test_reflow_at_320_css_pixels"
    assert evidence[cited] == [["1.4.10"]]
    removed = {node: marks for node, marks in evidence.items() if node != cited}
    outputs = conformance.generate(evidence=removed)
    assert REPORT_MD in conformance.stale(outputs) and cited not in outputs[REPORT_MD]


def test_the_check_command_fails_on_a_stale_report(monkeypatch, tmp_path, evidence):
    monkeypatch.setattr(conformance, "collect_evidence", lambda root=None: evidence)
    assert conformance.main(["--check"]) == 0
    stale_md = tmp_path / "CONFORMANCE.md"
    stale_md.write_text("an old report\n", encoding="utf-8")
    monkeypatch.setattr(conformance, "REPORT_MD", stale_md)
    monkeypatch.setattr(conformance, "PROJECT_ROOT", tmp_path)
    assert conformance.main(["--check"]) == 1
    assert stale_md.read_text(encoding="utf-8") == "an old report\n"  # --check writes nothing


def test_the_report_has_the_vpat_shape_and_the_page_data(evidence):
    report = REPORT_MD.read_text(encoding="utf-8")
    for heading in ("**Name of Product/Version:** Helpdesk Portal", "**Report Date:** ", "**Evaluation Methods Used:**",
                    "### Table 1: Success Criteria, Level A", "### Table 2: Success Criteria, Level AA",
                    "| Criteria | Conformance Level | Remarks and Explanations | Evidence |", "## Known Limitations"):
        assert heading in report, heading
    table_1, table_2 = report.split("### Table 1")[1].split("### Table 2")
    assert table_1.count("(Level A) |") == 31 and table_2.count("(Level AA) |") == 24
    published = json.loads(REPORT_JSON.read_text(encoding="utf-8"))
    assert [c["number"] for c in published["criteria"]] == sorted(
        WCAG22_A_AA, key=lambda n: tuple(int(p) for p in n.split(".")))
    assert published["counts"]["criteria"] == 55
    assert conformance.read_published()["date"] == dt.date.fromisoformat(published["date"])


# --- (b) exactly the 55 WCAG 2.2 A/AA criteria, with their names and levels ----------------------

def criteria_problems(data: dict) -> list[str]:
    """How the TOML's criteria differ from the official list."""
    listed = {entry["number"]: (entry["name"], entry["level"]) for entry in data["criterion"]}
    problems = [f"{n} missing" for n in sorted(WCAG22_A_AA.keys() - listed.keys())]
    problems += [f"{n} is no WCAG 2.2 A/AA criterion" for n in sorted(listed.keys() - WCAG22_A_AA.keys())]
    problems += [f"{n}: {listed[n]} should be {WCAG22_A_AA[n]}" for n in sorted(listed.keys() & WCAG22_A_AA.keys())
                 if listed[n] != WCAG22_A_AA[n]]
    if len(data["criterion"]) != len(listed):
        problems.append("a criterion is listed twice")
    return problems


def test_the_data_lists_exactly_the_55_wcag_22_a_and_aa_criteria(raw):
    assert len(WCAG22_A_AA) == 55
    assert sum(level == "A" for _, level in WCAG22_A_AA.values()) == 31
    assert criteria_problems(raw) == []
    assert [item["number"] for item in raw["removed"]] == ["4.1.1"]  # Parsing: obsolete in 2.2


def test_the_criteria_check_finds_a_missing_a_wrong_and_an_extra_criterion(raw):
    broken = copy.deepcopy(raw)
    broken["criterion"] = [entry for entry in broken["criterion"] if entry["number"] != "2.5.8"]
    _criterion(broken, "3.2.6")["level"] = "AA"
    broken["criterion"].append({**_criterion(broken, "1.1.1"), "number": "4.1.1", "name": "Parsing"})
    assert criteria_problems(broken) == ["2.5.8 missing", "4.1.1 is no WCAG 2.2 A/AA criterion",
                                         "3.2.6: ('Consistent Help', 'AA') should be ('Consistent Help', 'A')"]
    broken["criterion"].append(_criterion(broken, "1.1.1"))
    assert "a criterion is listed twice" in criteria_problems(broken)
    with pytest.raises(ConformanceError, match="1.1.1: listed twice"):
        conformance.parse(broken)


# --- (c) "supports" only with evidence ------------------------------------------------------

def test_every_supported_criterion_has_a_test_or_a_performed_manual_check(evidence):
    report = conformance.with_evidence(conformance.load(), evidence)
    unproven = [c.number for c in report.criteria if c.conformance == "supports"
                and not c.tests and not (c.manual and c.manual.checked)]
    assert unproven == []
    untested_without_procedure = [c.number for c in report.criteria if not c.tests and not c.manual]
    assert untested_without_procedure == []


def test_a_supported_criterion_without_a_performed_check_is_refused(raw, evidence):
    del _criterion(raw, "1.3.2")["manual"]["checked"]
    # Without its tests too, whatever the suite marks today: then nothing backs the claim.
    without = {node: [[c for c in args if c != "1.3.2"] for args in marks] for node, marks in evidence.items()}
    with pytest.raises(ConformanceError, match=r"1\.3\.2 Meaningful Sequence: claimed as supported with no test"):
        conformance.with_evidence(conformance.parse(raw), without)


def test_a_supported_criterion_whose_tests_lose_their_markers_is_refused(raw, evidence):
    without = {node: [[c for c in args if c != "2.4.7"] for args in marks] for node, marks in evidence.items()}
    with pytest.raises(ConformanceError, match=r"2\.4\.7 Focus Visible: claimed as supported"):
        conformance.with_evidence(conformance.parse(raw), without)


def test_a_manual_check_date_must_be_a_real_date(raw):
    _criterion(raw, "1.3.2")["manual"]["checked"] = "yesterday"
    with pytest.raises(ConformanceError, match="manual.checked must be a TOML date"):
        conformance.parse(raw)


# --- (d) every wcag marker names a real criterion -----------------------------------------------

def test_every_wcag_marker_in_the_suite_names_a_wcag_22_a_or_aa_criterion(evidence):
    assert conformance.check_markers(evidence, WCAG22_A_AA) == []
    assert len(evidence) >= 30  # the collection itself works
    cited = {criterion for marks in evidence.values() for args in marks for criterion in args}
    assert cited <= WCAG22_A_AA.keys()


def test_a_made_up_collection_with_an_unknown_criterion_is_refused(tmp_path, raw):
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers =\n    wcag(*criteria): WCAG evidence\n")
    (tmp_path / "test_made_up.py").write_text(textwrap.dedent("""
        import pytest

        @pytest.mark.wcag("9.9.9")
        def test_nine():
            pass

        @pytest.mark.wcag("1.4.3")
        @pytest.mark.parametrize("lang", ["en", "ar", "he"])
        def test_contrast(lang):
            pass

        @pytest.mark.wcag()
        def test_nothing_named():
            pass

        def test_unmarked():
            pass
    """))
    made_up = conformance.collect_evidence(tmp_path)
    assert made_up == {"test_made_up.py::test_nine": [["9.9.9"]],
                       "test_made_up.py::test_contrast": [["1.4.3"]],  # once, not once per language
                       "test_made_up.py::test_nothing_named": [[]]}
    problems = conformance.check_markers(made_up, WCAG22_A_AA)
    assert problems == ["test_made_up.py::test_nine: wcag('9.9.9') names no WCAG 2.2 level A or AA success criterion",
                        "test_made_up.py::test_nothing_named: wcag marker without criteria"]
    with pytest.raises(ConformanceError, match=r"wcag\('9\.9\.9'\)"):
        conformance.with_evidence(conformance.parse(raw), made_up)


def test_a_test_file_that_cannot_be_collected_is_refused_not_ignored(tmp_path):
    (tmp_path / "test_fine.py").write_text("def test_fine():\n    pass\n")
    (tmp_path / "test_skips_itself.py").write_text(
        "import pytest\npytest.skip('no display', allow_module_level=True)\n")
    with pytest.raises(ConformanceError, match="test_skips_itself.py: skipped"):
        conformance.collect_evidence(tmp_path)


# --- (e) the data's vocabulary ------------------------------------------------------------------

def test_an_unknown_conformance_level_is_refused(raw):
    assert conformance.parse(raw).criteria  # as committed: fine
    _criterion(raw, "1.4.3")["conformance"] = "mostly-supports"
    with pytest.raises(ConformanceError, match="criterion 1.4.3: conformance 'mostly-supports' is not one of"):
        conformance.parse(raw)


def test_markdown_in_remarks_is_refused_because_the_page_shows_them_as_is(raw):
    _criterion(raw, "1.4.3")["remarks"] = "Checked by `axe`."
    with pytest.raises(ConformanceError, match="remarks are plain text"):
        conformance.parse(raw)
