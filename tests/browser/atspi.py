"""A desktop a screen reader could use: Xvfb, a session bus with AT-SPI, Chromium, and a reader.

The tests drive Chromium through Playwright as usual, and read what Orca would be
given through AT-SPI with ``accessibility/atspi_reader.py`` under Debian's python3.
Everything is started here, on a display and session bus of its own, and stopped
at the end; nothing is left running and nothing touches the machine's own session.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from portal.config import PROJECT_ROOT

SYSTEM_PYTHON = Path("/usr/bin/python3")
READER = PROJECT_ROOT / "accessibility" / "atspi_reader.py"
TOOLS = ("Xvfb", "dbus-daemon", "dbus-send")
ATSPI_FLAGS = ["--force-renderer-accessibility"]

INTERACTIVE_ROLES = {"link", "push button", "toggle button", "entry", "combo box", "password text", "check box",
                     "radio button", "spin button", "list box", "menu item", "slider", "page tab"}
# Elements read within the line of text around them.
INLINE_TAGS = {"strong", "em", "b", "i", "u", "s", "code", "kbd", "samp", "var", "span", "time", "abbr", "mark", "q",
               "cite", "dfn", "small", "sub", "sup", "bdi", "bdo", "ins", "del"}
LANDMARK_WORDS = {"banner": "banner", "navigation": "navigation", "main": "main", "contentinfo": "content information",
                  "search": "search", "region": "region", "complementary": "complementary", "form": "form"}


def unavailable() -> str | None:
    """Why no AT-SPI desktop can start here, or None when it can."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        return f"missing {', '.join(missing)} (scripts/setup.sh installs xvfb and dbus)"
    if not SYSTEM_PYTHON.exists():
        return "no /usr/bin/python3 for the AT-SPI bindings"
    probe = subprocess.run([str(SYSTEM_PYTHON), "-c", "import gi; gi.require_version('Atspi', '2.0')"],
                           capture_output=True, text=True, timeout=30)
    if probe.returncode:
        return "the AT-SPI Python bindings are missing (apt install python3-pyatspi gir1.2-atspi-2.0)"
    return None


def _stop(process: subprocess.Popen, group: bool = False) -> None:
    if process.poll() is not None:
        return
    try:
        if group:
            os.killpg(process.pid, signal.SIGTERM)
        else:
            process.terminate()
        process.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        process.kill()


@contextmanager
def desktop() -> Iterator[dict[str, str]]:
    """A display and a session bus with accessibility switched on; yields their environment."""
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", "1", "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    bus = None
    try:
        display = xvfb.stdout.readline().strip()  # written once the server accepts clients
        if not display.isdigit():
            raise RuntimeError("Xvfb did not start")
        env = {key: value for key, value in os.environ.items() if not key.startswith(("DBUS_", "AT_SPI"))}
        env |= {"DISPLAY": f":{display}", "ACCESSIBILITY_ENABLED": "1"}
        env.pop("NO_AT_BRIDGE", None)
        # Its own session bus, in its own process group: the accessibility bus and registry
        # it starts on demand are stopped with it.
        bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1", "--nopidfile"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
                               start_new_session=True)
        env["DBUS_SESSION_BUS_ADDRESS"] = bus.stdout.readline().strip()
        # What a desktop does when the user turns the screen reader on; it also starts the
        # accessibility bus through D-Bus activation.
        subprocess.run(["dbus-send", "--session", "--print-reply", "--dest=org.a11y.Bus", "/org/a11y/bus",
                        "org.freedesktop.DBus.Properties.Set", "string:org.a11y.Status", "string:IsEnabled",
                        "variant:boolean:true"], env=env, check=True, capture_output=True, timeout=30)
        yield env
    finally:
        if bus is not None:
            _stop(bus, group=True)
        _stop(xvfb, group=True)


class Reader:
    """The AT-SPI reader process: one JSON request, one JSON answer."""

    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen([str(SYSTEM_PYTHON), str(READER)], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)

    def ask(self, **request) -> dict:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            reason = self.process.stderr.read() if self.process.stderr else ""
            raise RuntimeError(f"the AT-SPI reader stopped: {reason}")
        answer = json.loads(line)
        if "error" in answer:
            raise RuntimeError(answer["error"])
        return answer

    def tree(self, page) -> Node:
        """The accessibility tree of the page Playwright shows now."""
        title = page.title()
        answer = self.ask(op="tree", title=title, timeout=15)
        if answer["tree"] is None:
            raise AssertionError(f"no accessible document named {title!r}")
        return Node.build(answer["tree"])

    def listen(self) -> None:
        self.ask(op="listen")

    def events(self, until: dict | None = None, timeout: float = 5.0) -> list[dict]:
        return self.ask(op="events", until=until or {}, timeout=timeout)["events"]

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        _stop(self.process)


@dataclass
class Node:
    """One object of the accessibility tree, as the reader gave it."""

    role: str
    name: str
    description: str
    states: list[str]
    attributes: dict[str, str]
    lang: str | None
    value: str | None = None
    children: list[Node] = field(default_factory=list)

    @classmethod
    def build(cls, data: dict) -> Node:
        return cls(role=data["role"], name=data["name"], description=data["description"], states=data["states"],
                   attributes=data["attributes"], lang=data["lang"], value=data.get("value"),
                   children=[cls.build(child) for child in data["children"]])

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            yield from child.walk()

    @property
    def aria_role(self) -> str:
        return self.attributes.get("xml-roles", "")

    @property
    def tag(self) -> str:
        return self.attributes.get("tag", "")

    @property
    def is_leaf_text(self) -> bool:
        return self.role == "static" and not self.children

    def find(self, predicate) -> list[Node]:
        return [node for node in self.walk() if predicate(node)]

    def landmarks(self) -> list[tuple[str, str]]:
        # A form is a landmark only when it has a name (WAI-ARIA), which is how Orca treats it.
        return [(node.aria_role, node.name) for node in self.walk()
                if node.role in ("landmark", "form") and node.aria_role in LANDMARK_WORDS
                and (node.aria_role != "form" or node.name)]

    def headings(self) -> list[tuple[int, str]]:
        return [(int(node.attributes.get("level", 0)), node.name) for node in self.walk() if node.role == "heading"]

    def texts(self) -> list[tuple[str, str | None]]:
        """Every piece of text with the language it is spoken in."""
        return [(node.name, node.lang) for node in self.walk() if node.is_leaf_text and node.name.strip()]


def same_language(a: str | None, b: str | None) -> bool:
    return (a or "").lower() == (b or "").lower()


def speech(root: Node, document_lang: str) -> list[str]:
    """What a screen reader in browse mode says for ``root``, one line per block, in reading order.

    Modelled on Orca's browse mode: landmarks are announced as they are entered,
    headings with their level, controls with role, name, state and description,
    lists with their size, and text in another language with that language, which
    is when a synthesiser switches voice. Dates are written <date> so a snapshot
    does not change with the day it is taken.
    """
    lines: list[str] = []
    inline: list[tuple[str, str | None]] = []  # text and the language it is spoken in

    def flush() -> None:
        voice, parts = document_lang, []
        for text, lang in inline:
            if text.strip() and lang and not same_language(lang, voice):
                parts.append(f" [{lang}] ")  # the synthesiser switches voice here
                voice = lang
            parts.append(text)
        text = re.sub(r"\s+", " ", "".join(parts)).strip()
        if text:
            lines.append(text)
        inline.clear()

    def control(node: Node) -> str:
        words = [node.role, node.name]
        if node.role in ("toggle button", "combo box") and ("expanded" in node.states or "collapsed" in node.states):
            words.append("expanded" if "expanded" in node.states else "collapsed")
        if "required" in node.states:
            words.append("required")
        if "invalid-entry" in node.states:
            words.append("invalid entry")
        value = node.value or ""
        if "\ufffc" in value:  # a select: its text is the embedded menu; say the chosen option
            value = next((item.name for item in node.walk() if "selected" in item.states and item is not node), "")
        if value:
            words.append(f"value {value}")
        if node.description:
            words.append(node.description)
        return ", ".join(word for word in words if word)

    def visit(node: Node) -> None:
        if node.tag == "::marker":
            return
        if node.is_leaf_text or node.tag in INLINE_TAGS:
            if node.tag == "time":
                inline.append(("<date>", None))
            elif node.is_leaf_text:
                inline.append((node.name, node.lang))
            else:
                for child in node.children:
                    visit(child)
            return
        if node.role == "link":
            inline.append((f" link, {node.name} ", node.lang))
            return
        if node.role in INTERACTIVE_ROLES or node.role == "combo box":
            flush()
            lines.append(control(node))
            return
        flush()
        if node.role == "heading":
            voice = f"[{node.lang}] " if node.lang and not same_language(node.lang, document_lang) else ""
            lines.append(f"heading level {node.attributes.get('level', '?')}, {voice}{node.name}")
            return
        if node.role in ("landmark", "form") and node.aria_role in LANDMARK_WORDS and (node.aria_role != "form"
                                                                                      or node.name):
            lines.append(f"{LANDMARK_WORDS[node.aria_role]} landmark" + (f", {node.name}" if node.name else ""))
        elif node.role == "list":
            items = sum(1 for child in node.children if child.role == "list item")
            lines.append(f"list with {items} item{'s' if items != 1 else ''}")
        elif node.role == "table":
            lines.append("table" + (f", {node.name}" if node.name else ""))
        elif node.role in ("status bar", "alert", "note") or node.aria_role in ("status", "alert", "note"):
            if any(leaf.is_leaf_text and leaf.name.strip() for leaf in node.walk()):  # an empty one is silent
                lines.append(node.aria_role or node.role)
        for child in node.children:
            visit(child)
        flush()

    visit(root)
    flush()
    return lines
