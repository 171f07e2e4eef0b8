"""The index on disk: FAISS files + JSON (passages, manifest), validated on load, written atomically.

Layout: ``index/current`` is a symlink to ``index/v-<stamp>/`` holding ``manifest.json``, ``passages.json``,
``passages.faiss`` and ``sentences.faiss``. A build writes a new version directory and then swaps the symlink with
one atomic rename, so a reader sees the old index or the new one, never a mix. No pickle anywhere.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import IndexError_
from .types import Passage, Span

if TYPE_CHECKING:
    import numpy as np

FORMAT = 1
FIX = "run: assistant index --rebuild"


@dataclass
class Sentence:
    """A sentence of one source file, the unit an extractive answer quotes."""

    source: str
    start: int
    end: int
    passages: list[int] = field(default_factory=list)  # rows of the passages that contain it


@dataclass
class IndexData:
    """Everything a loaded index holds in memory."""

    manifest: dict
    passages: list[Passage]
    sentences: list[Sentence]
    passage_vecs: "np.ndarray"
    sentence_vecs: "np.ndarray"
    texts: dict[str, str] = field(default_factory=dict)  # source -> full file text, so every quote is exact
    passage_index: Any = None  # the FAISS indexes as stored (exact flat, or HNSW above the size threshold)
    sentence_index: Any = None



def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def current_dir(index_dir: Path) -> Path:
    return index_dir / "current"


def exists(index_dir: Path) -> bool:
    return (current_dir(index_dir) / "manifest.json").is_file()


def read_manifest(index_dir: Path) -> dict:
    path = current_dir(index_dir) / "manifest.json"
    try:
        manifest = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise IndexError_(f"no index in {index_dir}/; {FIX}") from None
    except (OSError, ValueError) as exc:
        raise IndexError_(f"the index manifest is unreadable ({type(exc).__name__}); {FIX}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise IndexError_(f"the index was written by another version of this tool; {FIX}")
    try:
        ok = (isinstance(manifest["embedder"]["name"], str) and int(manifest["embedder"]["dim"]) > 0
              and int(manifest["counts"]["passages"]) >= 0 and int(manifest["counts"]["sentences"]) >= 0
              and all(isinstance(m["sha256"], str) for m in manifest["files"].values())
              and isinstance(manifest["checksums"], dict))
    except (KeyError, TypeError, ValueError, AttributeError):
        ok = False
    if not ok:
        raise IndexError_(f"the index manifest is incomplete or edited; {FIX}")
    return manifest


def verify_files(index_dir_or_folder: Path, manifest: dict) -> None:
    """Every file the manifest lists is there with its checksum (cheap: no parsing, no FAISS)."""
    folder = index_dir_or_folder
    if (folder / "current").exists():
        folder = current_dir(folder).resolve()
    checksums = manifest.get("checksums") or {}
    if set(checksums) != {"passages.json", "passages.faiss", "sentences.faiss"}:
        raise IndexError_(f"the index manifest lists no checksums; {FIX}")
    for name, expected in checksums.items():
        path = folder / name
        if not path.is_file():
            raise IndexError_(f"the index is incomplete ({name} is missing); {FIX}")
        if _sha256_file(path) != expected:
            raise IndexError_(f"the index is corrupt ({name} does not match its checksum); {FIX}")


def _read_faiss(path: Path, n: int, dim: int) -> tuple[Any, "np.ndarray"]:
    """The stored index and its vectors (rows 0..n-1, in passage/sentence order)."""
    import faiss
    import numpy as np

    try:
        index = faiss.read_index(str(path))
    except RuntimeError:
        raise IndexError_(f"{path.name} is not a readable FAISS index; {FIX}") from None
    if index.ntotal != n or index.d != dim:
        raise IndexError_(f"{path.name} holds {index.ntotal}x{index.d} vectors, manifest says {n}x{dim}; {FIX}")
    if n == 0:
        return index, np.zeros((0, dim), dtype="float32")
    inner = faiss.downcast_index(index.index) if hasattr(index, "id_map") else index
    return index, np.ascontiguousarray(inner.reconstruct_n(0, n), dtype="float32")


def load(index_dir: Path, embedder_name: str | None = None, dim: int | None = None) -> IndexData:
    """Load and validate the current index; raise IndexError_ (one line naming the fix) when it can't be trusted.
    A rebuild that swaps versions while this reads is retried, so a reader never fails because of a writer."""
    for _ in range(5):
        try:
            return _load_once(index_dir, embedder_name, dim)
        except _VersionGone:
            time.sleep(0.05)
    raise IndexError_("the index kept changing while it was being read; try again")


class _VersionGone(Exception):
    """The version folder being read was replaced and removed by a concurrent build."""


def _load_once(index_dir: Path, embedder_name: str | None, dim: int | None) -> IndexData:
    folder = current_dir(index_dir).resolve()
    manifest = read_manifest(index_dir)
    if current_dir(index_dir).resolve() != folder:
        raise _VersionGone()
    try:
        return _load_folder(folder, manifest, index_dir, embedder_name, dim)
    except IndexError_:
        if not folder.exists() or current_dir(index_dir).resolve() != folder:
            raise _VersionGone() from None
        raise


def _load_folder(folder: Path, manifest: dict, index_dir: Path, embedder_name: str | None,
                 dim: int | None) -> IndexData:
    if embedder_name and manifest["embedder"]["name"] != embedder_name:
        raise IndexError_(f"the index was built with {manifest['embedder']['name']}, not {embedder_name}; {FIX}")
    verify_files(folder, manifest)
    try:
        blob = json.loads((folder / "passages.json").read_text("utf-8"))
        passages = [Passage.from_store(d) for d in blob["passages"]]
        sentences = [Sentence(source=s, start=a, end=b) for s, a, b in blob["sentences"]]
        texts = blob["documents"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IndexError_(f"the index passages are unreadable ({type(exc).__name__}); {FIX}") from None
    dim = dim or manifest["embedder"]["dim"]
    if len(passages) != manifest["counts"]["passages"] or len(sentences) != manifest["counts"]["sentences"]:
        raise IndexError_(f"the index counts do not match its manifest; {FIX}")
    pindex, pvecs = _read_faiss(folder / "passages.faiss", len(passages), dim)
    sindex, svecs = _read_faiss(folder / "sentences.faiss", len(sentences), dim)
    row = {(s.source, s.start, s.end): i for i, s in enumerate(sentences)}
    for p_row, p in enumerate(passages):
        for span in p.sentences:
            i = row.get((p.source, span.start, span.end))
            if i is None:
                raise IndexError_(f"the index passages and sentences disagree; {FIX}")
            sentences[i].passages.append(p_row)
    for p in passages:
        if texts.get(p.source, "")[p.start:p.end] != p.text:
            raise IndexError_(f"the index passages do not match their documents; {FIX}")
    return IndexData(manifest=manifest, passages=passages, sentences=sentences, passage_vecs=pvecs,
                     sentence_vecs=svecs, texts=texts, passage_index=pindex, sentence_index=sindex)


def make_faiss(vecs: "np.ndarray", ann_threshold: int, ef_search: int = 128) -> Any:
    """Exact inner-product search while it is fast; HNSW above ``ann_threshold`` vectors. Ids are row numbers."""
    import faiss
    import numpy as np

    dim = vecs.shape[1]
    if len(vecs) > ann_threshold:
        inner = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        inner.hnsw.efConstruction = 80
        inner.hnsw.efSearch = ef_search
    else:
        inner = faiss.IndexFlatIP(dim)
    index = faiss.IndexIDMap2(inner)
    if len(vecs):
        index.add_with_ids(vecs, np.arange(len(vecs), dtype="int64"))
    return index


def _write_faiss(path: Path, vecs: "np.ndarray", ann_threshold: int) -> None:
    import errno
    import re

    import faiss

    try:
        faiss.write_index(make_faiss(vecs, ann_threshold), str(path))
    except RuntimeError as exc:  # FAISS reports I/O failures (disk full, ...) as RuntimeError
        reason = re.findall(r"\(([^()]*)\)\s*$", str(exc))
        code = errno.ENOSPC if "No space" in str(exc) else errno.EIO
        raise OSError(code, reason[0] if reason else "write failed") from None


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def save(index_dir: Path, manifest: dict, passages: list[Passage], sentences: list[Sentence],
         passage_vecs: "np.ndarray", sentence_vecs: "np.ndarray", texts: dict[str, str],
         ann_threshold: int = 20_000) -> Path:
    """Write a complete new version, then atomically point ``current`` at it; old versions are removed after."""
    index_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S") + f"-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    tmp = index_dir / f".tmp-{stamp}"
    final = index_dir / f"v-{stamp}"
    try:
        tmp.mkdir()
        (tmp / "passages.json").write_text(json.dumps(
            {"passages": [p.to_store() for p in passages],
             "sentences": [[s.source, s.start, s.end] for s in sentences],
             "documents": texts}, ensure_ascii=False), "utf-8")
        _write_faiss(tmp / "passages.faiss", passage_vecs, ann_threshold)
        _write_faiss(tmp / "sentences.faiss", sentence_vecs, ann_threshold)
        manifest = dict(manifest, format=FORMAT, checksums={
            name: _sha256_file(tmp / name) for name in ("passages.json", "passages.faiss", "sentences.faiss")})
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False), "utf-8")
        for name in os.listdir(tmp):
            with open(tmp / name, "rb") as fh:
                os.fsync(fh.fileno())
        os.rename(tmp, final)
        link = index_dir / f".current-{stamp}"
        os.symlink(final.name, link)
        os.replace(link, current_dir(index_dir))
        _fsync_dir(index_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    cleanup(index_dir)
    return final


def cleanup(index_dir: Path) -> None:
    """Remove temp dirs of crashed builds and old versions; the version before ``current`` is kept a while so a
    reader that resolved it just before the switch can finish reading it."""
    try:
        keep = {os.readlink(current_dir(index_dir))}
    except OSError:
        keep = set()
    versions = sorted((e for e in index_dir.iterdir() if e.name.startswith("v-") and e.name not in keep),
                      key=lambda e: e.stat().st_mtime, reverse=True)
    versions = [e.name for e in versions]
    keep.update(versions[:1])
    for entry in index_dir.iterdir():
        if entry.name in keep or entry.name in ("current", ".lock", ".gitkeep"):
            continue
        if entry.name.startswith(("v-", ".tmp-")):
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.name.startswith(".current-") and entry.is_symlink():
            entry.unlink(missing_ok=True)
