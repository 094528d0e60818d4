"""Argos Translate with operator-installed language packs (``.argosmodel`` files).

Installing, listing and removing packs only reads zip files and ``metadata.json``;
argostranslate itself (torch, stanza: ~2.5 s and ~330 MB) is imported lazily on
the first translation, after its environment points into the portal's data dir.
Never calls argostranslate's index update or download functions.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from threading import Lock

from portal.translation.engines.base import EngineUnavailable

REQUIRED_METADATA = ("package_version", "from_code", "to_code")
MAX_PACKAGE_BYTES = 2_000_000_000
# Portal codes <-> Argos codes where they differ.
_TO_ARGOS = {"pt-BR": "pt", "zh-Hans": "zh", "zh-Hant": "zt"}
_FROM_ARGOS = {value: key for key, value in _TO_ARGOS.items()}


def to_argos(code: str) -> str:
    return _TO_ARGOS.get(code, code.split("-")[0].lower())


def from_argos(code: str) -> str:
    return _FROM_ARGOS.get(code, code)


class PackageError(ValueError):
    """An .argosmodel file that cannot be installed; the message says why."""


@dataclass(frozen=True)
class InstalledPackage:
    path: Path
    from_code: str
    to_code: str
    package_version: str
    from_name: str
    to_name: str

    @property
    def pair(self) -> str:
        return f"{from_argos(self.from_code)}-{from_argos(self.to_code)}"


def _read_metadata(folder: Path) -> dict:
    meta_file = folder / "metadata.json"
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PackageError("metadata.json is missing") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise PackageError(f"metadata.json is not valid JSON: {exc}") from None
    missing = [key for key in REQUIRED_METADATA if not meta.get(key)]
    if missing:
        raise PackageError(f"metadata.json lacks {', '.join(missing)}")
    return meta


def installed_packages(packages_dir: Path) -> list[InstalledPackage]:
    """Packages in ``packages_dir`` (folders without valid metadata are skipped)."""
    found = []
    if not packages_dir.is_dir():
        return found
    for folder in sorted(packages_dir.iterdir()):
        if not folder.is_dir() or folder.name.startswith("."):
            continue
        try:
            meta = _read_metadata(folder)
        except PackageError:
            continue
        found.append(InstalledPackage(folder, meta["from_code"], meta["to_code"], str(meta["package_version"]),
                                      meta.get("from_name", meta["from_code"]), meta.get("to_name", meta["to_code"])))
    return found


def install_package(packages_dir: Path, archive: Path) -> InstalledPackage:
    """Validate and install one ``.argosmodel``; replaces an installed pack of the same pair.

    Extraction happens in a temporary folder inside ``packages_dir`` and is moved
    into place at the end, so a failed install leaves nothing half-written.
    """
    archive = Path(archive)
    if not archive.is_file():
        raise PackageError(f"{archive}: no such file")
    if not zipfile.is_zipfile(archive):
        raise PackageError(f"{archive}: not an .argosmodel (zip) file")
    packages_dir.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
        tops = {name.split("/", 1)[0] for name in names if name.strip("/")}
        if len(tops) != 1:
            raise PackageError(f"{archive}: must contain exactly one top-level folder")
        total = sum(info.file_size for info in zf.infolist())
        if total > MAX_PACKAGE_BYTES:
            raise PackageError(f"{archive}: unpacks to more than {MAX_PACKAGE_BYTES} bytes")
        for name in names:
            if name.startswith("/") or ".." in Path(name).parts:
                raise PackageError(f"{archive}: unsafe path {name!r} in archive")
        top = tops.pop()
        staging = Path(tempfile.mkdtemp(prefix=".installing-", dir=packages_dir))
        try:
            zf.extractall(staging)
            folder = staging / top
            meta = _read_metadata(folder)
            if not (folder / "model").is_dir():
                raise PackageError(f"{archive}: model/ folder is missing")
            if not ((folder / "sentencepiece.model").is_file() or (folder / "bpe.model").is_file()):
                raise PackageError(f"{archive}: sentencepiece.model (or bpe.model) is missing")
            if not (folder / "stanza").is_dir() and not list((folder / "minisbd").glob("*.onnx")):
                # Without either, argostranslate would download a sentence splitter.
                raise PackageError(f"{archive}: needs stanza/ or minisbd/*.onnx for sentence splitting")
            target = packages_dir / f"{meta['from_code']}_{meta['to_code']}"
            for existing in installed_packages(packages_dir):
                if (existing.from_code, existing.to_code) == (meta["from_code"], meta["to_code"]):
                    shutil.rmtree(existing.path)
            if target.exists():
                shutil.rmtree(target)
            os.replace(folder, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return next(p for p in installed_packages(packages_dir) if p.path == target)


def remove_package(packages_dir: Path, pair: str) -> InstalledPackage:
    """Remove the pack for ``pair`` (``en-es``, portal or Argos codes)."""
    src, _, tgt = pair.partition("-") if pair.count("-") == 1 else _split_pair(pair)
    for package in installed_packages(packages_dir):
        if {package.from_code, from_argos(package.from_code)} & {src, to_argos(src)} and \
           {package.to_code, from_argos(package.to_code)} & {tgt, to_argos(tgt)}:
            shutil.rmtree(package.path)
            return package
    raise PackageError(f"no installed language pack for {pair}")


def _split_pair(pair: str) -> tuple[str, str, str]:
    # "pt-BR-en" / "en-zh-Hans": try every split point against known codes.
    pieces = pair.split("-")
    for cut in range(1, len(pieces)):
        src, tgt = "-".join(pieces[:cut]), "-".join(pieces[cut:])
        if len(src) >= 2 and len(tgt) >= 2:
            return src, "-", tgt
    raise PackageError(f"{pair!r} is not a language pair like en-es")


class ArgosEngine:
    """argostranslate over the packs in ``packages_dir``; pivots as argostranslate does."""

    name = "argos"
    heavy = True  # imports torch/stanza: keep out of web processes unless enabled

    def __init__(self, packages_dir: Path):
        self.packages_dir = Path(packages_dir)
        self._lock = Lock()
        self._loaded_version: str | None = None

    @property
    def version(self) -> str:
        packs = ",".join(sorted(f"{p.from_code}-{p.to_code}@{p.package_version}"
                                for p in installed_packages(self.packages_dir)))
        return "argos-1.11/" + hashlib.sha256(packs.encode()).hexdigest()[:12]

    def pairs(self) -> set[tuple[str, str]]:
        """Direct pairs plus one-step pivots (what argostranslate can chain)."""
        direct = {(from_argos(p.from_code), from_argos(p.to_code)) for p in installed_packages(self.packages_dir)}
        pivots = {(a, d) for a, b in direct for c, d in direct if b == c and a != d}
        return direct | pivots

    def _argos(self):
        """Import argostranslate pointed at our packages dir (lazily, once per process)."""

        if "argostranslate.translate" not in sys.modules:
            base = self.packages_dir.parent / "argos-home"
            os.environ["ARGOS_PACKAGES_DIR"] = str(self.packages_dir)
            os.environ.setdefault("XDG_DATA_HOME", str(base / "data"))
            os.environ.setdefault("XDG_CACHE_HOME", str(base / "cache"))
            os.environ.setdefault("XDG_CONFIG_HOME", str(base / "config"))
            os.environ.setdefault("ARGOS_DEVICE_TYPE", "cpu")
        # Deferred: argostranslate imports torch and stanza, which web processes must not load.
        import argostranslate.package
        import argostranslate.settings
        import argostranslate.translate

        if argostranslate.settings.package_data_dir != self.packages_dir:
            # Another portal instance in this process (tests) used other packs.
            argostranslate.settings.package_data_dir = self.packages_dir
            argostranslate.settings.package_dirs = [self.packages_dir]
        return argostranslate.translate

    def translate(self, segments: list[str], src: str, tgt: str) -> list[str]:
        if (src, tgt) not in self.pairs():
            raise EngineUnavailable(f"no Argos language pack for {src} -> {tgt}")
        with self._lock:
            translate = self._argos()
            version = self.version
            if version != self._loaded_version:
                # Packs changed since argostranslate cached them (lru_cache).
                translate.get_installed_languages.cache_clear()
                self._loaded_version = version
            translation = translate.get_translation_from_codes(to_argos(src), to_argos(tgt))
            if translation is None:
                raise EngineUnavailable(f"argostranslate cannot translate {src} -> {tgt}")
            return [translation.translate(text) if text.strip() else text for text in segments]
