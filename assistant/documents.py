"""Find source files and split them into passages whose offsets slice the file text exactly."""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import DocumentError
from .settings import ChunkingSettings
from .text import sentence_spans
from .types import Passage, Span

_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.+?)[ \t#]*$"  # markdown: ## Title
                      r"|^(?=[^\n]*\w)([^\n]{1,120}?)[ \t]*\n[ \t]*([=*~^])\4{2,}[ \t]*$", re.M)  # Title\n=====


@dataclass
class SourceFile:
    """One readable document. Offsets everywhere are character offsets into ``text`` (decoded UTF-8, newlines kept)."""

    source: str
    text: str
    sha256: str


def discover(source_dir: Path, extensions: tuple[str, ...]) -> tuple[list[Path], list[str]]:
    """Files under ``source_dir`` (recursive, sorted, hidden entries skipped) and warnings for what was skipped."""
    files, warnings = [], []
    if not source_dir.is_dir():
        return files, warnings
    for root, dirs, names in os.walk(source_dir, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if name.startswith("."):
                continue
            path = Path(root) / name
            if path.suffix.lower() not in extensions:
                continue
            try:
                if not path.is_file():
                    warnings.append(f"skipped {path.relative_to(source_dir).as_posix()}: not a regular file")
                    continue
            except OSError as exc:
                warnings.append(f"skipped {path.relative_to(source_dir).as_posix()}: {exc.strerror or exc}")
                continue
            files.append(path)
    return files, warnings


def decode_document(name: str, data: bytes, max_bytes: int) -> str:
    """The text of a document file, or DocumentError naming why it can't be used (shared by indexing and uploads).
    A leading byte-order mark is dropped: offsets index the text as ``open(path, encoding="utf-8-sig",
    newline="")`` reads it."""
    if len(data) > max_bytes:
        raise DocumentError(f"{name}: {len(data)} bytes is over the {max_bytes}-byte limit")
    if b"\x00" in data:
        raise DocumentError(f"{name}: looks binary (NUL bytes), not a text document")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DocumentError(f"{name}: not UTF-8 (bad byte at offset {exc.start})") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise DocumentError(f"{name}: empty file")
    return text


def read_source(path: Path, source_dir: Path, max_bytes: int) -> SourceFile:
    """Read one file as UTF-8; raise DocumentError with a one-line reason when it can't be used."""
    rel = path.relative_to(source_dir).as_posix()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DocumentError(f"{rel}: the file disappeared while indexing") from None
    except OSError as exc:
        raise DocumentError(f"{rel}: cannot read ({exc.strerror or exc})") from None
    return SourceFile(source=rel, text=decode_document(rel, data, max_bytes), sha256=hashlib.sha256(data).hexdigest())


def sections(text: str) -> list[tuple[int, int, str]]:
    """(start, end, heading) of each stretch of text under one markdown heading (heading lines excluded)."""
    out, start, heading = [], 0, ""
    for m in _HEADING.finditer(text):
        out.append((start, m.start(), heading))
        start, heading = m.end(), (m.group(2) or m.group(3)).strip()
    out.append((start, len(text), heading))
    return [s for s in out if text[s[0]:s[1]].strip()]


def passage_id(source: str, start: int, end: int, text: str) -> str:
    return hashlib.sha256(f"{source}\x00{start}\x00{end}\x00{text}".encode()).hexdigest()[:16]


def split_passages(doc: SourceFile, cfg: ChunkingSettings) -> list[Passage]:
    """Sentence-aware passages of about ``cfg.target_chars``, overlapping by whole sentences, never across headings."""
    passages: list[Passage] = []
    for lo, hi, heading in sections(doc.text):
        sents = sentence_spans(doc.text, lo, hi, cfg.max_sentence_chars)
        i = 0
        while i < len(sents):
            j = i + 1
            while j < len(sents) and sents[j][1] - sents[i][0] <= cfg.target_chars:
                j += 1
            start, end = sents[i][0], sents[j - 1][1]
            text = doc.text[start:end]
            passages.append(Passage(passage_id=passage_id(doc.source, start, end, text), source=doc.source,
                                    start=start, end=end, text=text, heading=heading,
                                    sentences=[Span(a, b) for a, b in sents[i:j]]))
            if j >= len(sents):
                break
            i = max(j - cfg.overlap_sentences, i + 1)
    return passages
