"""Inline Markdown -> translatable template with placeholders, and back.

Works on the raw source text (not re-rendered tokens) so everything that is not
translated comes back byte for byte. Code spans, URLs, autolinks, images, inline
HTML and glossary terms become atomic placeholders ``[[n]]``; emphasis, strong,
strike-through and link text become pairs ``[[n]]...[[/n]]`` whose inside is
translated. Engines sometimes damage pairs; :func:`restore` refuses a damaged
output so the caller can fall back.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

PLACEHOLDER = re.compile(r"\[\[(/?)(\d+)\]\]")
# Engines often drop one bracket ("[[1]", "[/2]]"); accepted when unambiguous.
_LENIENT = re.compile(r"\[\[?\s*(/?)\s*(\d+)\s*\]\]?")
_CODE = re.compile(r"(`+)(.+?)(?<!`)\1(?!`)", re.S)
_AUTOLINK = re.compile(r"<(?:[A-Za-z][A-Za-z0-9+.-]{1,31}:[^<>\s]*|[^<>\s@]+@[^<>\s@]+)>")
_HTML = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_URL = re.compile(r"(?:https?://|www\.)[^\s<>()\[\]]+[^\s<>()\[\].,;:!?'\"]")
_DELIMS = ("**", "__", "~~", "*", "_")


@dataclass
class Atom:
    markup: str


@dataclass
class Span:
    open: str
    close: str
    children: list = field(default_factory=list)


def _link_end(text: str, start: int) -> tuple[int, int] | None:
    """For ``[`` at ``start``: (index of the matching ``]``, end of ``(target)``), or None."""
    depth, i = 0, start
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == "`":
            m = _CODE.match(text, i)
            if m:
                i = m.end()
                continue
        if c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
            if depth == 0:
                break
        i += 1
    else:
        return None
    close = i
    if close + 1 >= len(text) or text[close + 1] != "(":
        return None
    depth, j = 0, close + 1
    while j < len(text):
        if text[j] == "\\":
            j += 2
            continue
        if text[j] == "(":
            depth += 1
        elif text[j] == ")":
            depth -= 1
            if depth == 0:
                return close, j + 1
        j += 1
    return None


def _emphasis_end(text: str, start: int, delim: str) -> int | None:
    """Index of the closing ``delim`` for an opener at ``start``, or None."""
    inner_start = start + len(delim)
    if inner_start >= len(text) or text[inner_start].isspace():
        return None
    if delim[0] == "_" and start > 0 and text[start - 1].isalnum():
        return None  # snake_case is not emphasis
    i = inner_start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == "`":
            m = _CODE.match(text, i)
            if m:
                i = m.end()
                continue
        if text.startswith(delim, i) and i > inner_start and not text[i - 1].isspace():
            after = i + len(delim)
            if len(delim) == 1 and after < len(text) and text[after] == delim:
                i += 2  # part of a longer run, not our closer
                continue
            if delim[0] == "_" and after < len(text) and text[after].isalnum():
                i += 1
                continue
            return i
        i += 1
    return None


def parse(text: str, glossary: tuple[str, ...] = ()) -> list:
    """Split inline Markdown into text strings, :class:`Atom` and :class:`Span` parts."""
    parts: list = []
    buf: list[str] = []

    def flush():
        if buf:
            parts.extend(_glossary_split("".join(buf), glossary))
            buf.clear()

    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            buf.append(text[i:i + 2])
            i += 2
            continue
        if c == "`":
            m = _CODE.match(text, i)
            if m:
                flush()
                parts.append(Atom(m.group(0)))
                i = m.end()
                continue
        if text.startswith("![", i):
            end = _link_end(text, i + 1)
            if end:
                flush()
                parts.append(Atom(text[i:end[1]]))
                i = end[1]
                continue
        if c == "[":
            end = _link_end(text, i)
            if end:
                close, stop = end
                flush()
                parts.append(Span("[", text[close:stop], parse(text[i + 1:close], glossary)))
                i = stop
                continue
        if c == "<":
            m = _AUTOLINK.match(text, i) or _HTML.match(text, i)
            if m:
                flush()
                parts.append(Atom(m.group(0)))
                i = m.end()
                continue
        if c in "hw" and (i == 0 or not text[i - 1].isalnum()):
            m = _URL.match(text, i)
            if m:
                flush()
                parts.append(Atom(m.group(0)))
                i = m.end()
                continue
        if c in "*_~":
            delim = next((d for d in _DELIMS if text.startswith(d, i)), None)
            end = _emphasis_end(text, i, delim) if delim else None
            if end is not None:
                flush()
                parts.append(Span(delim, delim, parse(text[i + len(delim):end], glossary)))
                i = end + len(delim)
                continue
        buf.append(c)
        i += 1
    flush()
    return parts


def _glossary_split(text: str, glossary: tuple[str, ...]) -> list:
    if not glossary:
        return [text]
    pattern = re.compile(
        r"(?<!\w)(" + "|".join(re.escape(t) for t in sorted(glossary, key=len, reverse=True)) + r")(?!\w)"
    )
    out: list = []
    last = 0
    for m in pattern.finditer(text):
        if m.start() > last:
            out.append(text[last:m.start()])
        out.append(Atom(m.group(0)))
        last = m.end()
    if last < len(text):
        out.append(text[last:])
    return out


@dataclass
class Template:
    """A segment's text with placeholders, and what each placeholder stands for."""

    text: str
    atoms: dict[int, str]
    spans: dict[int, tuple[str, str]]

    @property
    def is_trivial(self) -> bool:
        """Nothing to translate (only placeholders, digits, punctuation)."""
        return not re.search(r"[^\W\d_]", PLACEHOLDER.sub("", self.text))


def make_template(parts: list, counter: list[int] | None = None, flatten_spans: bool = False) -> Template:
    """Template for ``parts``. With ``flatten_spans`` spans become atoms (fallback mode)."""
    counter = counter if counter is not None else [0]
    atoms: dict[int, str] = {}
    spans: dict[int, tuple[str, str]] = {}
    out: list[str] = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
            continue
        counter[0] += 1
        n = counter[0]
        if isinstance(part, Atom):
            atoms[n] = part.markup
            out.append(f"[[{n}]]")
        elif flatten_spans:
            atoms[n] = part  # the caller translates the span on its own
            out.append(f"[[{n}]]")
        else:
            inner = make_template(part.children, counter)
            atoms.update(inner.atoms)
            spans.update(inner.spans)
            spans[n] = (part.open, part.close)
            out.append(f"[[{n}]]{inner.text}[[/{n}]]")
    return Template("".join(out), atoms, spans)


def restore(output: str, template: Template) -> str | None:
    """Put markup back into an engine's output; None if placeholders were damaged."""
    if not _LENIENT.search(PLACEHOLDER.sub("", template.text)):
        output = _LENIENT.sub(lambda m: f"[[{m.group(1)}{m.group(2)}]]", output)
    found = [(m.group(1) == "/", int(m.group(2))) for m in PLACEHOLDER.finditer(output)]
    expected_atoms = sorted(template.atoms)
    atoms_seen = sorted(n for closing, n in found if not closing and n in template.atoms)
    if atoms_seen != expected_atoms:
        return None
    stack: list[int] = []
    opened: set[int] = set()
    for closing, n in found:
        if n in template.atoms:
            if closing:
                return None
            continue
        if n not in template.spans:
            return None
        if not closing:
            if n in opened:
                return None
            opened.add(n)
            stack.append(n)
        elif not stack or stack.pop() != n:
            return None
    if stack or opened != set(template.spans):
        return None
    # Engines like to put spaces just inside a pair ("[[1]] text[[/1]]"), which
    # would stop "**" from being emphasis: move them outside.
    output = re.sub(r"\[\[(\d+)\]\](\s+)",
                    lambda m: m.group(2) + f"[[{m.group(1)}]]" if int(m.group(1)) in template.spans else m.group(0),
                    output)
    output = re.sub(r"(\s+)\[\[/(\d+)\]\]", lambda m: f"[[/{m.group(2)}]]" + m.group(1), output)
    output = re.sub(r"(?<=\S) {2,}(?=\S)", " ", output)

    def substitute(m: re.Match) -> str:
        n = int(m.group(2))
        if n in template.atoms:
            atom = template.atoms[n]
            return atom if isinstance(atom, str) else ""
        opening, closing = template.spans[n]
        return closing if m.group(1) else opening

    restored = PLACEHOLDER.sub(substitute, output)
    if any(re.search(rf"\[\[/?{n}\]\]\s*\[\[/{n}\]\]", output) for n in template.spans):
        return None  # a pair came back empty: link or emphasis text lost
    return restored


_SENTENCE_END = re.compile(r"(?<=[.!?…。！？])\s+")


def split_sentences(template_text: str) -> list[str]:
    """Split at sentence ends that are outside any placeholder pair."""
    pieces: list[str] = []
    start = 0
    for m in _SENTENCE_END.finditer(template_text):
        before = template_text[start:m.start()]
        depth = 0
        for pm in PLACEHOLDER.finditer(template_text[:m.start()]):
            n = pm.group(2)
            if pm.group(1):
                depth -= 1
            elif f"[[/{n}]]" in template_text:
                depth += 1
        if depth == 0 and before.strip():
            pieces.append(template_text[start:m.end()])
            start = m.end()
    pieces.append(template_text[start:])
    return [p for p in pieces if p.strip()]
