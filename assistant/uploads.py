"""Validate and save uploaded documents into source_docs/: safe names, allowed types, size, UTF-8 text."""
from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .documents import decode_document
from .errors import AssistantError, DocumentError

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._()-]{0,120}$")


class UploadError(AssistantError):
    """An uploaded file was refused (the message says why)."""


@dataclass
class Saved:
    name: str
    bytes: int
    replaced: bool


def safe_name(name: str, extensions: tuple[str, ...]) -> str:
    """The name a file is saved under; refuses paths, hidden files, odd characters and other types."""
    if not name or "/" in name or "\\" in name or "\x00" in name:
        raise UploadError(f"{name!r}: give a plain file name, not a path")
    if name in (".", "..") or name.startswith("."):
        raise UploadError(f"{name!r}: hidden files are not accepted")
    if not _SAFE_NAME.match(name):
        raise UploadError(f"{name!r}: use letters, digits, spaces and . _ - ( ) only")
    if Path(name).suffix.lower() not in extensions:
        raise UploadError(f"{name!r}: only {', '.join(extensions)} files are accepted")
    return name


def check_content(name: str, data: bytes, max_bytes: int) -> None:
    """The same checks indexing applies, so an accepted upload is never skipped later."""
    try:
        decode_document(name, data, max_bytes)
    except DocumentError as exc:
        raise UploadError(str(exc).replace("-byte limit", "-byte upload limit")) from None


def save_upload(source_dir: Path, name: str, data: bytes, extensions: tuple[str, ...], max_bytes: int) -> Saved:
    """Check, then write atomically into ``source_dir`` (a half-written document is never indexed)."""
    name = safe_name(name, extensions)
    check_content(name, data, max_bytes)
    source_dir.mkdir(parents=True, exist_ok=True)
    target = source_dir / name
    replaced = target.exists()
    fd, tmp = tempfile.mkstemp(dir=source_dir, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UploadError(f"{name}: could not be saved ({exc.strerror or exc})") from None
    return Saved(name=name, bytes=len(data), replaced=replaced)
