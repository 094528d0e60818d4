"""Images for articles: type sniffed from content, size-limited, alt text required.

Files are stored by content hash under ``<data dir>/media`` and served from
``/media/<name>``. SVG is refused (it can carry script); only raster formats whose
magic bytes match are accepted, whatever the file name says.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

MAX_BYTES = 2 * 1024 * 1024
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
)


class UploadError(ValueError):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class StoredImage:
    name: str
    url: str
    markdown: str


def sniff(data: bytes) -> str | None:
    for signature, extension in _SIGNATURES:
        if data.startswith(signature):
            return extension
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def store_image(media_dir: Path, data: bytes, alt: str, decorative: bool) -> StoredImage:
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
    name = f"{hashlib.sha256(data).hexdigest()[:32]}.{extension}"
    media_dir.mkdir(parents=True, exist_ok=True)
    target = media_dir / name
    if not target.exists():
        partial = target.with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(target)  # never a half-written file under the real name
    text = "decorative" if decorative else alt.replace("[", "(").replace("]", ")")
    return StoredImage(name, f"/media/{name}", f"![{text}](/media/{name})")
