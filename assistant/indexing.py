"""Build or update the index: read files, split, embed only what is new or changed, save atomically."""
from __future__ import annotations

import fcntl
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

from . import store
from .documents import SourceFile, discover, read_source, split_passages
from .embedding import Embedder
from .errors import AssistantError, DocumentError, IndexError_
from .settings import Settings
from .store import IndexData, Sentence
from .types import IndexReport, Passage

Progress = Callable[[float, str], None]


@contextmanager
def writer_lock(index_dir: Path, wait: bool = True) -> Iterator[None]:
    """One writer at a time: a second build waits for the first (or fails clearly with ``wait=False``)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise IndexError_("another index build is running; try again when it finishes") from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def chunking_signature(settings: Settings) -> dict:
    c = settings.chunking
    return {"target_chars": c.target_chars, "max_sentence_chars": c.max_sentence_chars,
            "overlap_sentences": c.overlap_sentences, "splitter": "sentence-v2"}


def passage_embedding_text(p: Passage) -> str:
    """What the embedder sees for a passage: its heading gives the words of the passage their context."""
    return f"{p.heading}\n{p.text}" if p.heading else p.text


def read_sources(settings: Settings) -> tuple[list[SourceFile], list[str]]:
    paths, warnings = discover(settings.source_dir, settings.chunking.extensions)
    docs = []
    for path in paths:
        try:
            docs.append(read_source(path, settings.source_dir, settings.chunking.max_file_bytes))
        except DocumentError as exc:
            warnings.append(f"skipped {exc}")
    return docs, warnings


def stale_reason(settings: Settings, embedder_name: str, manifest: dict | None) -> str:
    """Why an existing index can't be updated incrementally ('' when it can)."""
    if manifest is None:
        return "no index yet"
    if manifest.get("embedder", {}).get("name") != embedder_name:
        return f"embedder changed ({manifest.get('embedder', {}).get('name')} -> {embedder_name})"
    if manifest.get("chunking") != chunking_signature(settings):
        return "chunking settings changed"
    return ""


def build(settings: Settings, embedder: Embedder, rebuild: bool = False, progress: Progress | None = None,
          wait: bool = True) -> IndexReport:
    """Bring ``index/`` in line with ``source_docs/``: embed only new or changed files; full rebuild when asked or
    when the manifest doesn't match the embedder/chunking."""
    t0 = time.perf_counter()
    progress = progress or (lambda fraction, message: None)
    with writer_lock(settings.index_dir, wait=wait):
        docs, warnings = read_sources(settings)
        report = IndexReport(skipped=warnings)
        if not docs:
            raise DocumentError(f"no readable .md or .txt documents in {settings.source_dir}/"
                                + (f" ({len(warnings)} skipped: {warnings[0]})" if warnings else ""))
        manifest: dict | None = None
        reason = "rebuild requested" if rebuild else ""
        if not rebuild:
            try:
                manifest = store.read_manifest(settings.index_dir) if store.exists(settings.index_dir) else None
                reason = stale_reason(settings, embedder.name, manifest)
                if manifest is not None and not reason:
                    store.verify_files(settings.index_dir, manifest)
            except IndexError_ as exc:
                reason = f"existing index unusable ({str(exc).split(';')[0]})"
        old_sha = ({src: meta["sha256"] for src, meta in manifest["files"].items()}
                   if manifest is not None and not reason else {})
        new_sha = {d.source: d.sha256 for d in docs}
        report.removed = sorted(set(old_sha) - set(new_sha))
        report.added = sorted(set(new_sha) - set(old_sha))
        report.changed = sorted(s for s in new_sha if s in old_sha and old_sha[s] != new_sha[s])
        report.unchanged = sorted(s for s in new_sha if old_sha.get(s) == new_sha[s])
        if old_sha and not (report.added or report.changed or report.removed):
            report.passages = manifest["counts"]["passages"]  # nothing to do: the index is not even loaded
            store.cleanup(settings.index_dir)  # but what a killed build left behind goes (we hold the writer lock)
            report.seconds = time.perf_counter() - t0
            progress(1.0, "index is up to date")
            return report
        old: IndexData | None = None
        if old_sha:
            try:
                old = store.load(settings.index_dir, embedder.name)
            except IndexError_ as exc:
                reason = f"existing index unusable ({str(exc).split(';')[0]})"
                report.added, report.changed, report.removed, report.unchanged = sorted(new_sha), [], [], []
        report.full_rebuild = old is None
        report.reason = reason
        _rebuild_from(settings, embedder, docs, old, report, progress)
        report.seconds = time.perf_counter() - t0
        return report


def _old_vectors(old: IndexData, sources: list[str]) -> dict[str, "np.ndarray"]:
    """The vectors ``old`` holds for the passages and sentences of ``sources``, by the text that was embedded."""
    wanted = set(sources)
    known = {}
    for i, p in enumerate(old.passages):
        if p.source in wanted:
            known[passage_embedding_text(p)] = old.passage_vecs[i]
    for i, s in enumerate(old.sentences):
        if s.source in wanted:
            known[old.texts[s.source][s.start:s.end]] = old.sentence_vecs[i]
    return known


def _rebuild_from(settings: Settings, embedder: Embedder, docs: list[SourceFile], old: IndexData | None,
                  report: IndexReport, progress: Progress) -> None:
    import numpy as np

    keep = set(report.unchanged) if old is not None else set()
    old_p_rows: dict[str, list[int]] = {}
    old_s_rows: dict[str, list[int]] = {}
    if old is not None:
        for i, p in enumerate(old.passages):
            old_p_rows.setdefault(p.source, []).append(i)
        for i, s in enumerate(old.sentences):
            old_s_rows.setdefault(s.source, []).append(i)

    passages: list[Passage] = []
    sentences: list[Sentence] = []
    p_src: list[tuple[str, int]] = []  # ("old", row) or ("new", row in new_p_texts)
    s_src: list[tuple[str, int]] = []
    new_p_texts: list[str] = []
    new_s_texts: list[str] = []
    files = {}
    for doc in docs:
        before = len(passages)
        if doc.source in keep:
            for i in old_p_rows.get(doc.source, []):
                passages.append(old.passages[i])
                p_src.append(("old", i))
            for i in old_s_rows.get(doc.source, []):
                s = old.sentences[i]
                sentences.append(Sentence(s.source, s.start, s.end))
                s_src.append(("old", i))
        else:
            doc_passages = split_passages(doc, settings.chunking)
            seen = set()
            for p in doc_passages:
                passages.append(p)
                p_src.append(("new", len(new_p_texts)))
                new_p_texts.append(passage_embedding_text(p))
                for span in p.sentences:
                    if (span.start, span.end) not in seen:
                        seen.add((span.start, span.end))
                        sentences.append(Sentence(doc.source, span.start, span.end))
                        s_src.append(("new", len(new_s_texts)))
                        new_s_texts.append(doc.text[span.start:span.end])
        files[doc.source] = {"sha256": doc.sha256, "passages": len(passages) - before}

    if not passages:
        raise DocumentError(f"no text passages in {settings.source_dir}/ (only headings or markup?)")
    texts = new_p_texts + new_s_texts
    dim = embedder.dim
    known = _old_vectors(old, report.changed + report.removed) if old is not None else {}
    report.embedded = sum(text not in known for text in new_p_texts)
    # each distinct text once (a one-sentence passage is its sentence; boilerplate sentences repeat: ~17% of the
    # characters of Python's doc topics), and not at all when an edited or renamed file already had it
    unique = sorted((t for t in dict.fromkeys(texts) if t not in known), key=len)  # similar lengths share a step
    parts, step = [np.zeros((0, dim), dtype="float32")], 512
    for i in range(0, len(unique), step):
        progress(i / len(unique), f"embedding {i}/{len(unique)} texts")
        parts.append(embedder.embed(unique[i:i + step]))
    fresh = np.concatenate(parts)
    row = {text: i for i, text in enumerate(unique)}
    vecs = np.zeros((len(texts), dim), dtype="float32")
    for i, text in enumerate(texts):
        vecs[i] = fresh[row[text]] if text in row else known[text]
    new_p_vecs, new_s_vecs = vecs[: len(new_p_texts)], vecs[len(new_p_texts):]

    def gather(src: list[tuple[str, int]], old_vecs, new_vecs) -> "np.ndarray":
        out = np.zeros((len(src), dim), dtype="float32")
        for row, (kind, i) in enumerate(src):
            out[row] = old_vecs[i] if kind == "old" else new_vecs[i]
        return out

    pvecs = gather(p_src, old.passage_vecs if old else None, new_p_vecs)
    svecs = gather(s_src, old.sentence_vecs if old else None, new_s_vecs)
    progress(0.95, "writing index")
    manifest = {
        "embedder": {"name": embedder.name, "dim": dim},
        "chunking": chunking_signature(settings),
        "files": files,
        "counts": {"passages": len(passages), "sentences": len(sentences), "files": len(files)},
        "passage_ids": [p.passage_id for p in passages],
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    try:
        store.save(settings.index_dir, manifest, passages, sentences, pvecs, svecs, {d.source: d.text for d in docs},
                   settings.retrieval.ann_threshold)
    except OSError as exc:
        raise AssistantError(f"could not write the index ({exc.strerror or exc}); the previous index is unchanged") from None
    report.passages = len(passages)
    progress(1.0, f"indexed {len(passages)} passages")
