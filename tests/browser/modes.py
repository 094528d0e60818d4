"""Checks for display modes and WCAG 2.2 criteria that axe cannot judge, run in a Playwright page.

Every check returns a list of problems, one readable line each (empty: the page passes), so the
tests of the portal and the tests that feed them deliberately broken markup call the same code.
The checks measure what Chromium computes and lays out; none of them reads the stylesheet.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# CSS Color 4 system colours. In forced-colours mode Chromium computes every forced colour to one
# of these, so "is it one of them" tells a colour that follows the user's palette from an author's
# colour that leaked through (and may vanish against the user's background).
SYSTEM_COLOURS = (
    "Canvas", "CanvasText", "LinkText", "VisitedText", "ActiveText", "ButtonFace", "ButtonText", "ButtonBorder",
    "Field", "FieldText", "Highlight", "HighlightText", "SelectedItem", "SelectedItemText", "Mark", "MarkText",
    "GrayText", "AccentColor", "AccentColorText",
)

# Shared JavaScript: defined once per document as window.__modes.
_LIBRARY = r"""
if (!window.__modes) {
  const M = {};
  M.describe = (e) => {
    if (!e || e.nodeType !== 1) return String(e);
    let name = e.tagName.toLowerCase();
    if (e.id) name += '#' + e.id;
    const classes = [...e.classList].slice(0, 2);
    if (classes.length) name += '.' + classes.join('.');
    const text = (e.getAttribute('aria-label') || e.textContent || e.value || '').replace(/\s+/g, ' ').trim();
    return text ? `${name} "${text.slice(0, 40)}"` : name;
  };
  M.system = () => {
    const probe = document.createElement('span');
    document.body.append(probe);
    const byValue = {};
    for (const name of SYSTEM_NAMES) {
      probe.style.color = name;
      const value = getComputedStyle(probe).color;
      (byValue[value] = byValue[value] || []).push(name);
    }
    probe.remove();
    const canvas = Object.keys(byValue).find(v => byValue[v].includes('Canvas'));
    return {byValue, canvas};
  };
  M.alpha = (colour) => {
    const m = /rgba\([^)]*,\s*([\d.]+)\)$/.exec(colour);
    return colour === 'transparent' ? 0 : m ? parseFloat(m[1]) : 1;
  };
  // Hidden from everyone (not rendered, hidden, or an aria-hidden honeypot).
  M.hidden = (e) => {
    if (e.closest('[aria-hidden="true"], [hidden]')) return true;
    // checkVisibility also sees content hidden by a closed <details>.
    if (!e.checkVisibility({visibilityProperty: true, contentVisibilityAuto: true})) return true;
    const r = e.getBoundingClientRect();
    return r.width === 0 && r.height === 0;
  };
  // Shown to screen readers only (clipped to a pixel on purpose).
  M.visuallyHidden = (e) => {
    for (let n = e; n && n.nodeType === 1; n = n.parentElement) {
      const s = getComputedStyle(n);
      if (s.position === 'absolute' && (s.clip === 'rect(0px, 0px, 0px, 0px)' || s.clipPath === 'inset(50%)')
          && n.getBoundingClientRect().width <= 1) return true;
    }
    return false;
  };
  M.ownText = (e) => [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
  M.background = (e) => {  // the colour painted behind e: its own, or the nearest ancestor's
    for (let n = e; n && n.nodeType === 1; n = n.parentElement) {
      const bg = getComputedStyle(n).backgroundColor;
      if (M.alpha(bg) > 0) return bg;
    }
    const probe = document.createElement('span');  // nothing painted: the canvas shows
    probe.style.backgroundColor = 'Canvas';
    document.body.append(probe);
    const canvas = getComputedStyle(probe).backgroundColor;
    probe.remove();
    return canvas;
  };
  M.sides = ['Top', 'Right', 'Bottom', 'Left'];
  // Borders drawn in a colour other than the colour behind them.
  M.visibleBorders = (e, behind) => {
    const s = getComputedStyle(e);
    return M.sides.filter(side => !['none', 'hidden'].includes(s[`border${side}Style`])
      && parseFloat(s[`border${side}Width`]) > 0 && M.alpha(s[`border${side}Color`]) > 0
      && s[`border${side}Color`] !== behind);
  };
  // The nearest ancestor that clips or scrolls e's overflow, following e's containing blocks (an
  // absolutely positioned box escapes every unpositioned ancestor; a fixed one escapes all).
  M.containedBy = (e) => {
    let position = getComputedStyle(e).position;
    for (let n = e.parentElement; n && n !== document.body; n = n.parentElement) {
      if (position === 'fixed') return null;
      const s = getComputedStyle(n);
      if (position === 'absolute' && s.position === 'static' && s.transform === 'none') continue;
      if (s.overflowX !== 'visible') return n;
      position = s.position;
    }
    return null;
  };
  M.interactive = 'a[href], area[href], button, input:not([type="hidden"]), select, textarea, summary, '
    + '[role="button"], [role="link"], [role="checkbox"], [role="tab"], [role="menuitem"], [role="option"], '
    + '[tabindex]:not([tabindex="-1"])';
  M.stickyOrFixed = () => [...document.querySelectorAll('body *')].filter(e => {
    const p = getComputedStyle(e).position;
    return p === 'fixed' || p === 'sticky';
  });
  window.__modes = M;
}
"""


def _script(body: str) -> str:
    """A page function ``(arg) => ...`` that can use the shared library as ``M``."""
    names = "[" + ", ".join(f"'{name}'" for name in SYSTEM_COLOURS) + "]"
    return ("(arg) => { const SYSTEM_NAMES = " + names + ";" + _LIBRARY + "const M = window.__modes;\n"
            + body + "\n}")


# --- forced colours --------------------------------------------------------------------------------------

_MARK_BACKGROUND_CUES = _script(r"""
  // Before forced colours: elements told apart from their surroundings by their background alone
  // (no border, outline or text decoration of their own). They are marked for the forced-colours pass.
  let count = 0;
  for (const e of document.querySelectorAll('body *')) {
    e.removeAttribute('data-modes-background');
    if (M.hidden(e) || M.visuallyHidden(e) || e.closest('svg')) continue;
    const s = getComputedStyle(e);
    if (M.alpha(s.backgroundColor) === 0 || !e.parentElement) continue;
    const behind = M.background(e.parentElement);
    if (s.backgroundColor === behind) continue;
    if (M.visibleBorders(e, behind).length || s.outlineStyle !== 'none') continue;
    const text = (e.textContent || '').trim();
    if (!text && !['progress', 'meter'].includes(e.tagName.toLowerCase())) continue;
    e.setAttribute('data-modes-background', String(count++));
  }
  return count;
""")

_FORCED_COLOURS = _script(r"""
  const {byValue, canvas} = M.system();
  const isSystem = (c) => c in byValue && M.alpha(c) > 0;
  const name = (c) => byValue[c] ? byValue[c].join('/') : c;
  const problems = [];
  const report = (e, what) => problems.push(`${M.describe(e)}: ${what}`);
  const shown = (e) => !M.hidden(e) && !M.visuallyHidden(e);

  // 1. Controls keep a visible border; native check boxes and radio buttons are painted by the system.
  const controls = 'button, input:not([type="hidden"]), select, textarea, a.button, [role="button"]:not(summary)';
  for (const e of document.querySelectorAll(controls)) {
    if (!shown(e)) continue;
    const s = getComputedStyle(e);
    if (['checkbox', 'radio'].includes(e.type)) {
      if (s.appearance === 'none') report(e, 'a restyled check box or radio button (appearance: none)');
      continue;
    }
    // A file input is a button the browser draws next to a file name: the button needs the border.
    const b = e.type === 'file' ? getComputedStyle(e, '::file-selector-button') : s;
    const behind = M.background(e.parentElement || e);
    for (const side of M.sides) {
      const style = b[`border${side}Style`], width = parseFloat(b[`border${side}Width`]);
      const colour = b[`border${side}Color`];
      if (['none', 'hidden'].includes(style) || !(width > 0))
        report(e, `no ${side.toLowerCase()} border (${style} ${width}px)`);
      else if (!isSystem(colour) || colour === behind)
        report(e, `${side.toLowerCase()} border ${colour} is not a system colour distinct from ${name(behind)}`);
    }
  }

  // 2. Every text is drawn in a system colour other than the one behind it.
  for (const e of document.querySelectorAll('body *')) {
    if (!M.ownText(e) || !shown(e)) continue;
    const s = getComputedStyle(e);
    const inSvg = e instanceof SVGElement;
    const colour = inSvg ? s.fill : s.color;
    const behind = inSvg ? M.background(e.closest('svg').parentElement) : M.background(e);
    if (!isSystem(colour)) report(e, `text colour ${colour} is not a system colour`);
    else if (colour === behind) report(e, `text colour ${name(colour)} is the colour behind it`);
  }

  // 3. Notices, alerts and banners keep a visible edge (their background becomes the page's).
  for (const e of document.querySelectorAll('.notice, .error-summary, [role="alert"], [role="note"]')) {
    if (!shown(e) || !(e.textContent || '').trim()) continue;
    const behind = M.background(e.parentElement || e);
    const edges = M.visibleBorders(e, behind).filter(side => isSystem(getComputedStyle(e)[`border${side}Color`]));
    if (!edges.length && getComputedStyle(e).outlineStyle === 'none')
      report(e, 'a notice with no visible border: it melts into the page');
  }

  // 4. Chart marks (SVG shapes) are painted in system colours, so they show on any user background.
  const marks = 'svg rect, svg circle, svg ellipse, svg line, svg polyline, svg polygon, svg path, svg text';
  for (const e of document.querySelectorAll(marks)) {
    if (!shown(e) || e.closest('[aria-hidden="true"]')) continue;
    const s = getComputedStyle(e);
    const behind = M.background(e.closest('svg').parentElement);
    for (const [prop, value] of [['fill', s.fill], ['stroke', s.stroke]]) {
      if (value === 'none' || (prop === 'stroke' && !(parseFloat(s.strokeWidth) > 0))) continue;
      if (prop === 'fill' && ['text', 'line'].includes(e.tagName)) continue;  // texts: above; lines have no area
      if (!isSystem(value))
        report(e, `chart ${prop} ${value} is not a system colour (forced-color-adjust: ${s.forcedColorAdjust})`);
      else if (value === behind) report(e, `chart ${prop} is ${name(value)}, the colour behind it`);
    }
  }

  // 5. What the background alone told apart (marked before forced colours) is still told apart.
  for (const e of document.querySelectorAll('[data-modes-background]')) {
    if (!shown(e)) continue;
    const s = getComputedStyle(e);
    const parent = e.parentElement;
    const behind = M.background(parent);
    const ps = getComputedStyle(parent);
    const keeps = (isSystem(s.backgroundColor) && s.backgroundColor !== behind)
      || M.visibleBorders(e, behind).length > 0 || s.outlineStyle !== 'none'
      || s.textDecorationLine !== ps.textDecorationLine || s.fontWeight !== ps.fontWeight
      || s.fontStyle !== ps.fontStyle || s.fontFamily !== ps.fontFamily;
    if (!keeps)
      report(e, `told apart by its background alone, which forced colours turn into ${name(s.backgroundColor)}`);
  }
  return problems;
""")


def forced_colours_problems(page) -> list[str]:
    """The current page in forced colours (Chromium's emulation), light and dark user palettes.

    Controls keep borders in system colours, texts and chart marks use system colours distinct from
    what is behind them, notices keep an edge, and whatever only a background colour set apart
    keeps another cue. Leaves the page with forced colours off and the light scheme.
    """
    problems: list[str] = []
    page.emulate_media(forced_colors="none", color_scheme="light")
    page.evaluate(_MARK_BACKGROUND_CUES)
    for scheme in ("light", "dark"):
        page.emulate_media(forced_colors="active", color_scheme=scheme)
        problems.extend(f"[{scheme} palette] {line}" for line in page.evaluate(_FORCED_COLOURS))
    page.emulate_media(forced_colors="none", color_scheme="light")
    return sorted(set(problems), key=problems.index)


# --- the focus, stop by stop -----------------------------------------------------------------------------

@dataclass(frozen=True)
class FocusStop:
    element: str
    outline_style: str
    outline_width: float
    outline_colour: str
    outline_colour_names: tuple[str, ...]  # the system colours it equals (none: an author colour)
    canvas: str
    in_viewport: bool
    covered_by: str | None  # a sticky or fixed element that hides all of it


# Where the focus is, as the user sees it. Recorded by a keydown listener: the keydown of one Tab
# sees the page exactly as the previous Tab left it (focus moved, page scrolled), so the walk needs
# no round trip per stop besides the key itself.
_FOCUS_LIBRARY = r"""
  M.focusStop = () => {
    const e = document.activeElement;
    if (!e || e === document.body || e === document.documentElement) return null;
    if (!window.__modesFocusPage) window.__modesFocusPage = {system: M.system(), overlays: M.stickyOrFixed()};
    const page = window.__modesFocusPage;
    const s = getComputedStyle(e);
    const r = e.getBoundingClientRect();
    const vw = document.documentElement.clientWidth, vh = document.documentElement.clientHeight;
    const box = {left: Math.max(r.left, 0), top: Math.max(r.top, 0),
                 right: Math.min(r.right, vw), bottom: Math.min(r.bottom, vh)};
    const inViewport = box.right > box.left && box.bottom > box.top;
    let coveredBy = null;
    if (inViewport) {
      // Sample the visible part of the focused box: entirely obscured = every sample under an overlay.
      const others = page.overlays.filter(o => !o.contains(e) && !M.hidden(o));
      const under = (x, y) => others.find(o => {
        const b = o.getBoundingClientRect();
        return x >= b.left && x <= b.right && y >= b.top && y <= b.bottom;
      });
      const at = [0.02, 0.25, 0.5, 0.75, 0.98];
      const hits = at.flatMap(fx => at.map(fy => under(box.left + fx * (box.right - box.left),
                                                       box.top + fy * (box.bottom - box.top))));
      if (hits.every(Boolean)) coveredBy = M.describe(hits[0]);
    }
    return {element: M.describe(e), outline_style: s.outlineStyle, outline_width: parseFloat(s.outlineWidth) || 0,
            outline_colour: s.outlineColor, outline_colour_names: page.system.byValue[s.outlineColor] || [],
            canvas: page.system.canvas, in_viewport: inViewport, covered_by: coveredBy};
  };
"""

_WALK_START = _script(_FOCUS_LIBRARY + r"""
  if (!window.__modesWalkListener) {
    window.__modesWalkListener = true;
    window.addEventListener('keydown', (event) => {
      if (event.key === 'Tab' && window.__modesWalk) window.__modesWalk.push(M.focusStop());
    }, true);
  }
  window.__modesWalk = [];
  delete window.__modesFocusPage;  // overlays and colours as they are now (viewport, colour mode)
  // Put the sequential focus navigation starting point at the top of the document.
  const start = document.createElement('span');
  start.tabIndex = -1;
  document.body.prepend(start);
  start.focus({preventScroll: true});
  start.remove();
  window.scrollTo(0, 0);
  return [...document.querySelectorAll(M.interactive)].filter(e => e.tabIndex >= 0 && !M.hidden(e)).length;
""")


# The Tab key as Chromium receives it from a keyboard (a raw key down; held, it repeats).
_TAB_DOWN = {"type": "rawKeyDown", "key": "Tab", "code": "Tab", "windowsVirtualKeyCode": 9, "nativeVirtualKeyCode": 9}
_TAB_UP = {**_TAB_DOWN, "type": "keyUp"}


def tab_through(page, limit: int = 800) -> list[FocusStop]:
    """Hold Tab from the top of the page until the focus leaves the document; every stop as the user sees it.

    The key goes straight to Chromium's input pipeline (DevTools protocol, as Playwright's keyboard
    does, without its bookkeeping): key downs only, like a held key, so each stop costs one round trip.
    """
    expected = page.evaluate(_WALK_START)
    pressed, batch = 0, expected + 2  # the first keydown records the start, the last one the exit
    cdp = page.context.new_cdp_session(page)
    try:
        while pressed < limit:
            for _ in range(batch):
                cdp.send("Input.dispatchKeyEvent", _TAB_DOWN)
            pressed += batch
            stops = page.evaluate("() => window.__modesWalk")[1:]
            if None in stops:
                return [FocusStop(**{**stop, "outline_colour_names": tuple(stop["outline_colour_names"])})
                        for stop in stops[:stops.index(None)]]
            batch = 10
    finally:
        cdp.send("Input.dispatchKeyEvent", _TAB_UP)
        cdp.detach()
        page.evaluate("() => { window.__modesWalk = null; document.activeElement.blur(); }")
    raise AssertionError(f"more than {limit} tab stops on {page.url}: a keyboard trap?")


def sticky_or_fixed(page) -> list[str]:
    """The shown elements that stay put while the page scrolls (the only author content that can cover the focus)."""
    return page.evaluate(_script("return M.stickyOrFixed().filter(e => !M.hidden(e)).map(M.describe);"))


def focus_indicator_problems(stops: Iterable[FocusStop]) -> list[str]:
    """Forced colours: every focused element has an outline of non-zero width in a system colour
    other than the background (box shadows and background changes vanish in that mode)."""
    problems = []
    for stop in stops:
        if stop.outline_style in ("none", "hidden") or stop.outline_width <= 0:
            problems.append(f"{stop.element}: no focus outline ({stop.outline_style} {stop.outline_width}px)")
        elif not stop.outline_colour_names:
            problems.append(f"{stop.element}: focus outline {stop.outline_colour} is not a system colour")
        elif stop.outline_colour == stop.canvas or re.fullmatch(r"rgba\(.*,\s*0\)", stop.outline_colour):
            problems.append(f"{stop.element}: focus outline is invisible ({stop.outline_colour})")
    return problems


def focus_obscured_problems(stops: Iterable[FocusStop]) -> list[str]:
    """2.4.11: no focused element is entirely hidden by sticky or fixed content, or left off screen."""
    problems = []
    for stop in stops:
        if not stop.in_viewport:
            problems.append(f"{stop.element}: focused but outside the viewport")
        elif stop.covered_by:
            problems.append(f"{stop.element}: focused but entirely covered by {stop.covered_by}")
    return problems


# --- reflow (zoom) --------------------------------------------------------------------------------------

_REFLOW = _script(r"""
  const problems = [];
  const root = document.documentElement;
  const vw = root.clientWidth;
  if (root.scrollWidth > vw + 1)
    problems.push(`the page scrolls horizontally: ${root.scrollWidth}px of content in ${vw}px`);
  // Boxes past the end edge make the page scroll; boxes past the start edge cannot be scrolled to.
  // Both are fine inside a container that scrolls (or clips, checked below) on its own: a table, code.
  const rtl = getComputedStyle(document.body).direction === 'rtl';
  const reported = [];
  for (const e of document.querySelectorAll('body *')) {
    if (M.hidden(e) || reported.some(o => o.contains(e))) continue;
    const r = e.getBoundingClientRect();
    const pastEnd = rtl ? r.left < -1 : r.right > vw + 1;
    const pastStart = rtl ? r.right > vw + 1 : r.left < -1;
    if (!pastEnd && !(pastStart && !M.visuallyHidden(e))) continue;
    const parked = (r.right <= 0 || r.left >= vw) && getComputedStyle(e).position === 'absolute';
    if ((pastStart && !pastEnd && parked) || M.containedBy(e)) continue;
    reported.push(e);
    problems.push(`${M.describe(e)}${M.visuallyHidden(e) ? ' (visually hidden)' : ''} is outside the ${vw}px `
      + `viewport (${Math.round(r.left)}..${Math.round(r.right)})`);
  }
  // Text cut off by a box that hides its overflow.
  for (const e of document.querySelectorAll('body *')) {
    const s = getComputedStyle(e);
    if (!['hidden', 'clip'].includes(s.overflowX) && !['hidden', 'clip'].includes(s.overflowY)) continue;
    if (M.hidden(e) || M.visuallyHidden(e) || !(e.textContent || '').trim()) continue;
    if (e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1)
      problems.push(`${M.describe(e)} clips its text `
        + `(${e.scrollWidth}x${e.scrollHeight} in ${e.clientWidth}x${e.clientHeight})`);
  }
  return problems;
""")


def reflow_problems(page) -> list[str]:
    """1.4.10 / 1.4.4: at the current viewport nothing needs horizontal scrolling of the page (tables,
    code blocks and other containers may scroll on their own) and no text is clipped."""
    return page.evaluate(_REFLOW)


_REACHABLE = _script(r"""
  // Every control can be scrolled to and is the element a pointer finds at its centre.
  const problems = [];
  const vw = document.documentElement.clientWidth, vh = document.documentElement.clientHeight;
  const controls = [...document.querySelectorAll(arg || M.interactive)]
    .filter(e => !M.hidden(e) && !M.visuallyHidden(e));
  for (const e of controls) {
    const page = e.getBoundingClientRect();
    // Parked off the page until focused (a skip link): its own check shows it works.
    if (page.bottom + window.scrollY <= 0 || page.right + window.scrollX <= 0) continue;
    e.scrollIntoView({block: 'center', inline: 'center'});
    const r = e.getClientRects()[0] || e.getBoundingClientRect();  // a link wrapped over lines: its first line
    if (r.right <= 0 || r.left >= vw || r.bottom <= 0 || r.top >= vh) {
      problems.push(`${M.describe(e)} cannot be scrolled into view`);
      continue;
    }
    const x = Math.min(Math.max(r.left + r.width / 2, 0), vw - 1);
    const y = Math.min(Math.max(r.top + r.height / 2, 0), vh - 1);
    const hit = document.elementFromPoint(x, y);
    const label = hit && hit.closest('label');
    if (!hit || !(e === hit || e.contains(hit) || (label && label.control === e)))
      problems.push(`${M.describe(e)} is covered by ${M.describe(hit)}`);
  }
  window.scrollTo(0, 0);
  return problems;
""")


def unreachable_controls(page, selector: str | None = None) -> list[str]:
    """Controls a pointer cannot reach at the current viewport: not scrollable into view, or covered."""
    return page.evaluate(_REACHABLE, selector)


_POINT_AT = _script(r"""
  const e = document.querySelector(arg);
  if (!e || M.hidden(e)) return {problem: `${arg} is not shown`};
  e.scrollIntoView({block: 'center', inline: 'center'});
  const r = e.getClientRects()[0];
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  const hit = document.elementFromPoint(x, y);
  if (!hit || !(hit === e || e.contains(hit))) return {problem: `${M.describe(e)} is covered by ${M.describe(hit)}`};
  return {x, y};
""")


def pointer_target(page, selector: str) -> tuple[float, float] | str:
    """Where a pointer clicks the first ``selector`` after scrolling to it, or why it cannot."""
    point = page.evaluate(_POINT_AT, selector)
    return point["problem"] if "problem" in point else (point["x"], point["y"])


def pointer_click(page, selector: str) -> str | None:
    """Click the first ``selector`` where a pointer would, after scrolling to it; a problem if it cannot."""
    target = pointer_target(page, selector)
    if isinstance(target, str):
        return target
    page.mouse.click(*target)
    return None


def language_chooser_problems(page) -> list[str]:
    """The language chooser opens with a click and every language in it can be reached."""
    problem = pointer_click(page, ".language-chooser summary")
    if problem:
        return [f"the language chooser cannot be clicked: {problem}"]
    if not page.evaluate("() => document.querySelector('.language-chooser').open"):
        return ["the language chooser does not open"]
    problems = unreachable_controls(page, ".language-chooser[open] ul a")
    page.evaluate("() => { document.querySelector('.language-chooser').open = false; }")
    return problems


def skip_link_problems(page) -> list[str]:
    """The first Tab shows the skip link, Enter on it moves focus to the main content, in view."""
    page.evaluate(_WALK_START)
    page.keyboard.press("Tab")
    first = page.evaluate("() => { const e = document.activeElement; const r = e.getBoundingClientRect(); "
                          "return {cls: e.className, top: r.top, bottom: r.bottom, left: r.left, right: r.right, "
                          "vw: document.documentElement.clientWidth}; }")
    if "skip-link" not in first["cls"]:
        return [f"the first Tab lands on {first['cls'] or 'something'} instead of the skip link"]
    if first["bottom"] <= 0 or first["right"] <= 0 or first["left"] >= first["vw"]:
        return [f"the focused skip link is off screen ({first})"]
    page.keyboard.press("Enter")
    landed = page.evaluate("() => { const m = document.querySelector('main'); const r = m.getBoundingClientRect(); "
                           "return {inMain: m.contains(document.activeElement), top: r.top, "
                           "vh: document.documentElement.clientHeight}; }")
    if not landed["inMain"]:
        return ["Enter on the skip link does not move focus into the main content"]
    if not (-1 <= landed["top"] < landed["vh"]):
        return [f"after the skip link the main content starts at {landed['top']}px, out of view"]
    return []


# --- target size ----------------------------------------------------------------------------------------

_TARGETS = _script(r"""
  const MIN = 24, R = 12;
  const targets = [...document.querySelectorAll(M.interactive)].filter(e => {
    if (M.hidden(e) || M.visuallyHidden(e) || e.closest('[inert]')) return false;
    if (e.tagName === 'INPUT' && e.tabIndex < 0 && e.closest('[aria-hidden="true"]')) return false;
    const r = e.getBoundingClientRect();
    return r.right > 0 && r.bottom > -window.scrollY;  // not parked off the page
  });
  const boxes = new Map(targets.map(e => [e, e.getBoundingClientRect()]));
  // A target inside another (a link in a scrollable region) is measured on its own; the two never clash.
  const nested = (a, b) => a.contains(b) || b.contains(a);
  const blockOf = (e) => {
    for (let n = e.parentElement; n; n = n.parentElement)
      if (!getComputedStyle(n).display.startsWith('inline')) return n;
    return document.body;
  };
  const inSentence = (e) => {
    // The inline exception: a link laid out inline in a block of running text.
    if (e.tagName !== 'A' || getComputedStyle(e).display !== 'inline') return false;
    const block = blockOf(e);
    const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    let outside = '';
    for (let n = walker.nextNode(); n; n = walker.nextNode())
      if (!e.contains(n) && !n.parentElement.closest('a, button') && !M.visuallyHidden(n.parentElement))
        outside += n.textContent;
    return /[\p{L}\p{N}]{2,}/u.test(outside);
  };
  const small = (e) => { const b = boxes.get(e); return b.width < MIN - 0.01 || b.height < MIN - 0.01; };
  const centre = (b) => [b.left + b.width / 2, b.top + b.height / 2];
  const circleHitsBox = ([x, y], b) => {
    const dx = Math.max(b.left - x, 0, x - b.right), dy = Math.max(b.top - y, 0, y - b.bottom);
    return dx * dx + dy * dy < R * R;
  };
  const problems = [];
  for (const e of targets) {
    if (!small(e) || inSentence(e)) continue;
    const b = boxes.get(e), c = centre(b);
    const clash = targets.find(o => o !== e && !nested(o, e) && (circleHitsBox(c, boxes.get(o))
      || (small(o) && Math.hypot(c[0] - centre(boxes.get(o))[0], c[1] - centre(boxes.get(o))[1]) < 2 * R)));
    if (clash)
      problems.push(`${M.describe(e)} is ${b.width.toFixed(1)}x${b.height.toFixed(1)}px `
        + `and its 24px circle meets ${M.describe(clash)}`);
  }
  return problems;
""")


def target_size_problems(page) -> list[str]:
    """2.5.8: every pointer target is at least 24x24 CSS px, or undersized but spaced (a 24 px circle
    on its centre meets no other target nor another undersized target's circle), or a link inline in
    a sentence. Opens every <details> while measuring, so the targets inside count too."""
    page.evaluate("() => document.querySelectorAll('details:not([open])').forEach(d => { "
                  "d.open = true; d.setAttribute('data-modes-opened', ''); })")
    try:
        return page.evaluate(_TARGETS)
    finally:
        page.evaluate("() => document.querySelectorAll('details[data-modes-opened]').forEach(d => { "
                      "d.open = false; d.removeAttribute('data-modes-opened'); })")


# --- consistent help ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class HelpPlacement:
    url: str
    repeated: tuple[str, ...]  # the links outside <main>, in order, as "landmark: text"
    help: tuple[str, ...]  # the help links among them


_REPEATED_LINKS = _script(r"""
  const landmarkOf = (e) => {
    const l = e.closest('header, footer, nav, aside, [role="banner"], [role="contentinfo"], [role="navigation"], '
                        + '[role="complementary"]');
    if (!l) return 'body';
    const implicit = {header: 'banner', footer: 'contentinfo', nav: 'navigation', aside: 'complementary'};
    const role = l.getAttribute('role') || implicit[l.tagName.toLowerCase()];
    return role;
  };
  const links = [...document.querySelectorAll('a[href], button')].filter(e => !e.closest('main, [role="main"]'));
  const items = links.map(e => ({key: landmarkOf(e) + ': '
      + (e.getAttribute('aria-label') || e.textContent).replace(/\s+/g, ' ').trim(),
    help: e.tagName === 'A' && !e.getAttribute('href').startsWith('#')
      && /\/contact\/?$/.test(new URL(e.href).pathname)}));
  return {repeated: items.map(i => i.key), help: items.filter(i => i.help).map(i => i.key)};
""")


def help_placement(page) -> HelpPlacement:
    """Where the page puts its help mechanism (links to the contact form) among its repeated blocks."""
    found = page.evaluate(_REPEATED_LINKS)
    return HelpPlacement(page.url, tuple(found["repeated"]), tuple(found["help"]))


def consistent_help_problems(placements: Sequence[HelpPlacement]) -> list[str]:
    """3.2.6: the help link is on every page, in the same landmark and in the same position relative
    to the links all the pages repeat (the pages' other links may differ, e.g. a search form)."""
    problems = [f"{p.url}: no help link outside the main content" for p in placements if not p.help]
    placed = [p for p in placements if p.help]
    if not placed:
        return problems
    common = set(placed[0].repeated)
    for p in placed[1:]:
        common &= set(p.repeated)

    def position(p: HelpPlacement) -> tuple[str, int]:
        # The landmark and the rank among the shared links (its own text may differ, e.g. marked current).
        order = [key for key in p.repeated if key in common or key in p.help]
        return p.help[0].split(":")[0], order.index(p.help[0])

    first = position(placed[0])
    for p in placed[1:]:
        if position(p) != first:
            problems.append(f"{p.url}: help link {position(p)} differs from {placed[0].url}: {first}")
    return problems


# --- accessible authentication --------------------------------------------------------------------------

_AUTH_FORMS = _script(r"""
  return [...document.querySelectorAll('form')].filter(f => f.querySelector('input[type="password"]')).map(f => {
    const password = f.querySelector('input[type="password"]');
    const user = f.querySelector('input[type="email"], input[autocomplete="username"], input[name*="user" i], '
                                 + 'input[name*="mail" i]');
    const text = (f.textContent || '').toLowerCase();
    return {
      form: M.describe(f),
      password: password.id ? '#' + password.id : null,
      user: user && user.id ? '#' + user.id : null,
      password_autocomplete: password.getAttribute('autocomplete'),
      user_autocomplete: user ? user.getAttribute('autocomplete') : null,
      paste_handlers: [password, user].filter(Boolean).filter(i => i.hasAttribute('onpaste')).map(M.describe),
      // Anything else to fill in or solve is a test of memory or cognition, unless it is a check box.
      other_fields: [...f.querySelectorAll('input, select, textarea')].filter(i => i !== password && i !== user
        && !['hidden', 'submit', 'button', 'checkbox'].includes(i.type) && !M.hidden(i)).map(M.describe),
      captcha: !!f.querySelector('[class*="captcha" i], [id*="captcha" i], [name*="captcha" i], '
                                 + 'iframe[src*="captcha" i], [data-sitekey]')
        || /captcha|what is \d+\s*[-+x*]\s*\d+/.test(text),
    };
  });
""")

_PASTE = """([selector, text]) => {
  const input = document.querySelector(selector);
  input.focus();
  input.value = '';
  const data = new DataTransfer();
  data.setData('text/plain', text);
  const event = new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true});
  const allowed = input.dispatchEvent(event);
  // A synthetic paste does not insert text by itself: do what the browser does when nobody cancels it.
  if (allowed) document.execCommand('insertText', false, text);
  return {allowed, value: input.value};
}"""


def authentication_problems(page) -> list[str]:
    """3.3.8: every sign-in form on the page lets a password manager fill it and lets people paste,
    and asks no cognitive function test (CAPTCHA, puzzle)."""
    problems = []
    forms = page.evaluate(_AUTH_FORMS)
    if not forms:
        return [f"{page.url}: no sign-in form"]
    for form in forms:
        where = form["form"][:40]
        if form["password_autocomplete"] != "current-password":
            problems.append(f"{where}: password autocomplete={form['password_autocomplete']!r}, "
                            "not 'current-password'")
        if form["user"] is None:
            problems.append(f"{where}: no user name or e-mail field")
        elif form["user_autocomplete"] not in ("username", "email"):
            problems.append(f"{where}: user field autocomplete={form['user_autocomplete']!r}, "
                            "not 'username' or 'email'")
        problems.extend(f"{where}: {handler} has an onpaste handler" for handler in form["paste_handlers"])
        if form["captcha"]:
            problems.append(f"{where}: asks a CAPTCHA or puzzle")
        problems.extend(f"{where}: asks for more than the user name and password: {other}"
                        for other in form["other_fields"])
        for field in filter(None, (form["user"], form["password"])):
            text = "pasted-from-a-password-manager@example.org"
            result = page.evaluate(_PASTE, [field, text])
            if not result["allowed"] or result["value"] != text:
                problems.append(f"{where}: pasting into {field} is refused (value {result['value']!r})")
            page.fill(field, text)  # typing or a manager's fill works too
            if page.input_value(field) != text:
                problems.append(f"{where}: {field} does not take typed text")
            page.fill(field, "")
    return problems
