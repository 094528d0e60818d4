"""Files writers add to articles: images, and attachments (PDF, text, office documents).

Everything here is decided from the bytes, never from the file name or the content
type the browser sent, because both are chosen by whoever uploads. SVG and HTML are
refused (they can carry script), and so is anything we cannot identify. Images need
a text alternative (or are marked decorative); attachments need a link text that
says what the file is, and get their type and size added to it, so people know what
they are about to download (WCAG link purpose).

Files are stored by content hash as ``<data dir>/media/<32 hex>.<ext>`` (written to a
temporary file first, then renamed, so a half-written file is never served) and
served from ``/media/<name>``, with the content type from :data:`MEDIA_TYPES`.
"""
from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from accessibility import is_vague_link_text

MAX_BYTES = 2 * 1024 * 1024  # images
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
)
IMAGE_TYPES = {"png": "image/png", "jpg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"}
# Office formats: extension -> (member every such zip has, MIME type).
OFFICE_TYPES = {
    "odt": ("mimetype", "application/vnd.oasis.opendocument.text"),
    "ods": ("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
    "odp": ("mimetype", "application/vnd.oasis.opendocument.presentation"),
    "docx": ("word/", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ("xl/", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": ("ppt/", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
}
ATTACHMENT_TYPES = {"pdf": "application/pdf", "txt": "text/plain; charset=utf-8",
                    "csv": "text/csv; charset=utf-8", **{k: v[1] for k, v in OFFICE_TYPES.items()}}
MEDIA_TYPES = {**IMAGE_TYPES, **ATTACHMENT_TYPES}
MEDIA_NAME = re.compile(r"[0-9a-f]{32}\.(?:" + "|".join(MEDIA_TYPES) + r")")

_PROGRAM = (b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"#!")
_MARKUP = re.compile(r"<(?:!doctype|html|head|body|svg|\?xml|script|iframe|meta|style|!--)", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")  # tab, newlines and form feed are fine
# Link texts that say nothing about the file, on top of the article lint's list.
_VAGUE_FILE_TEXT = {"download", "download here", "download file", "download this", "file", "this file",
                    "attachment", "document", "descargar", "telecharger", "herunterladen", "baixar",
                    "scarica", "скачать", "завантажити", "下载", "ダウンロード", "تحميل", "הורדה"}
_FILE_NAME = re.compile(r"^\S+\.(?:pdf|txt|csv|od[tsp]|docx?|xlsx?|pptx?|zip|png|jpe?g|gif|webp)$", re.IGNORECASE)


class UploadError(ValueError):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class StoredImage:
    name: str
    url: str
    markdown: str


@dataclass(frozen=True)
class StoredAttachment:
    name: str
    url: str
    markdown: str
    kind: str  # "PDF", "CSV", "DOCX", ...
    size: str  # "120 KB"


def sniff(data: bytes) -> str | None:
    """The image extension matching the magic bytes of ``data``, or None."""
    for signature, extension in _SIGNATURES:
        if data.startswith(signature):
            return extension
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


class MediaStore(Protocol):
    """Where uploaded files live, by content-addressed name (the ``media`` service)."""

    #: Served from here at ``/media/<name>``.
    directory: Path

    def put(self, data: bytes, extension: str) -> str:
        """Keep ``data``; returns its name (the same data always gets the same name)."""


class LocalMediaStore:
    """Uploaded files in a local directory (``<data dir>/media``)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def put(self, data: bytes, extension: str) -> str:
        name = f"{hashlib.sha256(data).hexdigest()[:32]}.{extension}"
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.directory / name
        if not target.exists():
            fd, partial = tempfile.mkstemp(dir=self.directory, prefix=".upload-", suffix=".part")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                os.chmod(partial, 0o644)
                os.replace(partial, target)  # never a half-written file under the real name
            finally:
                if os.path.exists(partial):
                    os.unlink(partial)
        return name


def store_image(media: MediaStore, data: bytes, alt: str, decorative: bool) -> StoredImage:
    """Validate and store an image; returns the Markdown to paste into the article."""
    alt = " ".join((alt or "").split())[:300]
    if not data:
        raise UploadError("empty")
    if len(data) > MAX_BYTES:
        raise UploadError("too_large")
    extension = sniff(data)
    if extension is None:
        raise UploadError("wrong_type")
    if not decorative and not alt:
        raise UploadError("alt_required")
    name = media.put(data, extension)
    text = "decorative" if decorative else alt.replace("[", "(").replace("]", ")")
    return StoredImage(name, f"/media/{name}", f"![{text}](/media/{name})")


def _office_type(data: bytes, filename: str) -> str | None:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in OFFICE_TYPES:
        return None
    marker, mime = OFFICE_TYPES[extension]
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if any(n.lower().endswith("vbaproject.bin") for n in names):
                return None  # macros: not in a .docx/.xlsx/.pptx that Office would open
            if marker == "mimetype":  # ODF: the mimetype member names the exact format
                with archive.open("mimetype") as member:
                    return extension if member.read(100).strip() == mime.encode() else None
            if "[Content_Types].xml" in names and any(n.startswith(marker) for n in names):
                return extension
    except Exception:  # an archive we cannot read (corrupt, encrypted, no mimetype) is refused
        return None
    return None


def _text_type(data: bytes, filename: str) -> str | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if _CONTROL.search(text) or _MARKUP.match(text.lstrip("\ufeff \t\r\n")):
        return None  # binary, or HTML/SVG/XML that a browser could be talked into running
    return "csv" if filename.lower().endswith(".csv") else "txt"


def attachment_type(data: bytes, filename: str = "") -> str | None:
    """The extension to store ``data`` under, or None when it is not an accepted file.

    The name is only used to tell office formats apart (they are all zips) and a CSV
    from other text; it never makes unrecognised content acceptable.
    """
    if data.startswith(_PROGRAM):  # executables, and scripts (#!)
        return None
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return _office_type(data, filename)
    return _text_type(data, filename)


def human_size(size: int) -> str:
    """``size`` in bytes as people read it: "3 KB", "2.4 MB"."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def check_description(description: str) -> str:
    """The cleaned link text; refuses empty or non-descriptive text ("click here", a URL)."""

    text = " ".join((description or "").split())[:200].replace("[", "(").replace("]", ")")
    if not text:
        raise UploadError("description_required")
    if is_vague_link_text(text, _VAGUE_FILE_TEXT) or _FILE_NAME.match(text):
        raise UploadError("description_vague")
    return text


def store_attachment(media: MediaStore, data: bytes, filename: str, description: str) -> StoredAttachment:
    """Validate and store an attachment; returns the Markdown link to paste into the article."""
    if not data:
        raise UploadError("empty")
    if len(data) > ATTACHMENT_MAX_BYTES:
        raise UploadError("too_large")
    extension = attachment_type(data, filename or "")
    if extension is None:
        raise UploadError("wrong_type")
    text = check_description(description)
    name = media.put(data, extension)
    kind, size = extension.upper(), human_size(len(data))
    return StoredAttachment(name, f"/media/{name}", f"[{text} ({kind}, {size})](/media/{name})", kind, size)
