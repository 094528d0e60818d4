"""Run the vendored axe-core in a Playwright page."""
from __future__ import annotations

from functools import lru_cache

from portal.config import PROJECT_ROOT

AXE_VERSION = "4.14.1"
AXE_FILE = PROJECT_ROOT / "accessibility" / "vendor" / f"axe-core-{AXE_VERSION}" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@lru_cache(maxsize=1)
def _axe_source() -> str:
    return AXE_FILE.read_text(encoding="utf-8")


def axe_violations(page) -> list[dict]:
    """axe violations of the current page for WCAG 2.2 A/AA, as compact dicts."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=_axe_source())
    assert page.evaluate("() => axe.version") == AXE_VERSION
    result = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + n.failureSummary)}));
        }""",
        WCAG_TAGS,
    )
    return result


def format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        lines.extend(f"    {node}" for node in violation["nodes"])
    return "\n".join(lines)


def audit_both_schemes(page, failures: list[str], label: str) -> None:
    """axe on the current page in the light and the dark scheme; each failure described in ``failures``."""
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        violations = axe_violations(page)
        if violations:
            failures.append(f"[{label} / {scheme}] {page.url}\n{format_violations(violations)}")
    page.emulate_media(color_scheme="light")
