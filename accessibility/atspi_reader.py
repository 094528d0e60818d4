"""Read what a screen reader is given: Chromium's accessibility tree and events through AT-SPI.

AT-SPI is the interface Orca reads on Linux. This script runs under Debian's own
``python3`` (the AT-SPI bindings, ``gir1.2-atspi-2.0``, are system packages, not
wheels), started by the tests with the session bus and display of the browser they
drive. It answers one JSON request per line on stdin with one JSON line on stdout:

``{"op": "tree", "title": T}``
    the tree of the web document whose accessible name is T (waits, bounded, until
    the document exists and is no longer busy): role, name, description, the states
    and object attributes that matter to a screen reader, the language of every
    text leaf, and the children.
``{"op": "listen"}``
    start recording the events a screen reader acts on (text and children added,
    focus changes), from now on.
``{"op": "events", "until": {...}, "timeout": S}``
    pump events until one matches ``until`` (keys of an event: type, role, live,
    text) or S seconds pass, and return everything recorded since ``listen``.

Nothing here imports the portal: it must run without the project's virtualenv.
"""
from __future__ import annotations

import json
import sys
import time

import gi

gi.require_version("Atspi", "2.0")
from gi.repository import Atspi, GLib  # noqa: E402  (the version must be chosen first)

STATES = ("focused", "focusable", "required", "invalid-entry", "expanded", "collapsed", "editable",
          "checked", "selected", "busy", "multi-line", "read-only", "has-popup", "visited")
ATTRIBUTES = ("tag", "level", "xml-roles", "live", "container-live", "atomic", "container-atomic",
              "autocomplete", "haspopup", "id", "placeholder-text", "roledescription", "posinset", "setsize")
EVENTS = ("object:text-changed:insert", "object:children-changed:add", "object:state-changed:focused",
          "object:announcement")
MAX_DEPTH = 80

_state_names = {state: state.value_nick for state in Atspi.StateType.__enum_values__.values()}


def _states(accessible) -> list[str]:
    state_set = accessible.get_state_set()
    return sorted(name for state, name in _state_names.items() if name in STATES and state_set.contains(state))


def _language(accessible) -> str | None:
    # Chromium gives every text object its language as a default text attribute:
    # the nearest lang="" of the element, which is what a speech synthesiser switches on.
    if accessible.get_text_iface() is None:
        return None
    return (Atspi.Text.get_default_attributes(accessible) or {}).get("language")


def _text(accessible) -> str:
    if accessible.get_text_iface() is None:
        return ""
    count = Atspi.Text.get_character_count(accessible)
    return Atspi.Text.get_text(accessible, 0, count) if count else ""


def node(accessible, depth: int = 0) -> dict:
    """One accessible object and its subtree as plain data."""
    attributes = accessible.get_attributes() or {}
    entry = {
        "role": accessible.get_role_name(),
        "name": accessible.get_name() or "",
        "description": accessible.get_description() or "",
        "states": _states(accessible),
        "attributes": {key: attributes[key] for key in ATTRIBUTES if key in attributes},
        "lang": _language(accessible),
        "children": [],
    }
    role = accessible.get_role()
    if role in (Atspi.Role.ENTRY, Atspi.Role.COMBO_BOX, Atspi.Role.PASSWORD_TEXT, Atspi.Role.SPIN_BUTTON):
        entry["value"] = _text(accessible)
    if depth < MAX_DEPTH:
        for index in range(accessible.get_child_count()):
            child = accessible.get_child_at_index(index)
            if child is not None:
                entry["children"].append(node(child, depth + 1))
    return entry


def _documents(accessible, depth: int = 0):
    if accessible.get_role() == Atspi.Role.DOCUMENT_WEB:
        yield accessible
        return
    if depth > 20:
        return
    for index in range(accessible.get_child_count()):
        child = accessible.get_child_at_index(index)
        if child is not None:
            yield from _documents(child, depth + 1)


def find_document(title: str, timeout: float):
    """The web document named ``title`` once it has finished loading, or None."""
    deadline = time.monotonic() + timeout
    while True:
        desktop = Atspi.get_desktop(0)
        for index in range(desktop.get_child_count()):
            application = desktop.get_child_at_index(index)
            if application is None:
                continue
            for document in _documents(application):
                if document.get_name() == title and "busy" not in _states(document):
                    return document
        if time.monotonic() > deadline:
            return None
        _pump(0.05)


def _pump(seconds: float) -> None:
    # Runs the main loop, which is where AT-SPI delivers events and cache updates.
    context = GLib.MainContext.default()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not context.iteration(False):
            time.sleep(0.005)


class Recorder:
    """Events a screen reader acts on, in the order they arrive."""

    def __init__(self) -> None:
        self.events: list[dict] = []
        self.listener = Atspi.EventListener.new(self._record)
        self.listening = False

    def start(self) -> None:
        self.events.clear()
        if not self.listening:
            for event_type in EVENTS:
                self.listener.register(event_type)
            self.listening = True
        _pump(0.2)  # let registrations reach the registry before the page acts
        self.events.clear()

    def _record(self, event) -> None:
        source = event.source
        try:
            attributes = source.get_attributes() or {}
            role, name = source.get_role_name(), source.get_name() or ""
        except GLib.Error:  # the object went away before we asked
            attributes, role, name = {}, "", ""
        data = event.any_data
        text = data if isinstance(data, str) else ""
        if not text and isinstance(data, Atspi.Accessible):
            try:
                text = data.get_name() or _text(data)
            except GLib.Error:
                text = ""
        self.events.append({"type": event.type, "detail1": event.detail1, "role": role, "name": name,
                            "live": attributes.get("container-live", ""), "text": text})

    def wait(self, until: dict, timeout: float) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if until and any(all(str(event.get(k, "")) == str(v) if k != "text" else str(v) in event["text"]
                                 for k, v in until.items()) for event in self.events):
                break
            _pump(0.05)
        return list(self.events)


def main() -> int:
    recorder = Recorder()
    for line in sys.stdin:
        request = json.loads(line)
        try:
            if request["op"] == "tree":
                document = find_document(request["title"], float(request.get("timeout", 10)))
                answer = {"tree": node(document) if document is not None else None}
            elif request["op"] == "listen":
                recorder.start()
                answer = {"listening": True}
            elif request["op"] == "events":
                answer = {"events": recorder.wait(request.get("until") or {}, float(request.get("timeout", 5)))}
            else:
                answer = {"error": f"unknown op {request['op']!r}"}
        except Exception as error:  # noqa: BLE001 — reported to the test, which fails with it
            answer = {"error": f"{type(error).__name__}: {error}"}
        sys.stdout.write(json.dumps(answer, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
