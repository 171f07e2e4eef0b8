"""The facade the CLI, the UI and Python users share: build_index, status, search, ask, stream."""
from __future__ import annotations

import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from . import store
from .embedding import Embedder, set_offline_env
from .errors import AssistantError, QuestionError
from .settings import Settings
from .types import Answer, IndexReport, Passage, StreamEvent

History = list[tuple[str, str]]
MAX_K = 100


@dataclass
class _Engine:
    """What a loaded index needs in memory; replaced whole after a re-index."""

    data: Any
    retriever: Any
    answerer: Any
    chain: Any


class Assistant:
    """Cited answers from the documents in ``settings.source_dir`` (index in ``settings.index_dir``).

    >>> a = Assistant()                       # builds the index on first use if it is missing or stale
    >>> ans = a.ask("Who is Iran's foreign minister?")
    >>> ans.answer, ans.citations[0].start, ans.refused
    """

    def __init__(self, settings: Settings | None = None, *, source_dir: str | Path | None = None,
                 index_dir: str | Path | None = None, llm: Any = None, auto_index: bool = True,
                 embedder: Embedder | None = None):
        """``llm``: 'extractive' (default), 'openai:<model>', 'ollama:<model>', 'llamacpp:<path.gguf>', or any
        LangChain chat model object."""
        set_offline_env()
        settings = settings or Settings()
        self.chat_model = None if llm is None or isinstance(llm, str) else llm
        llm = llm if isinstance(llm, str) else None
        updates = {k: v for k, v in (("source_dir", source_dir), ("index_dir", index_dir), ("llm", llm)) if v}
        self.settings = settings.model_copy(update={k: Path(v) if k.endswith("_dir") else v for k, v in updates.items()})
        self.auto_index = auto_index
        self.embedder = embedder or Embedder(self.settings.embedding)
        self._engine: _Engine | None = None
        self._lock = threading.Lock()  # first load
        self._build_lock = threading.Lock()  # one build at a time in this process (the index lock covers others)

    # ---- index -----------------------------------------------------------------------------------------------
    def build_index(self, rebuild: bool = False, progress: Callable[[float, str], None] | None = None) -> IndexReport:
        """Embed new/changed files, drop deleted ones (everything when ``rebuild``); report what changed."""
        from .indexing import build

        with self._build_lock:  # questions keep being answered from the loaded index while this runs
            report = build(self.settings, self.embedder, rebuild=rebuild, progress=progress)
            if report.changed_anything and self._engine is not None:
                self._engine = self._load(build_if_needed=False)  # swap in whole: in-flight questions finish
            return report

    def status(self) -> dict:
        """What is indexed and whether it matches ``source_dir`` (cheap: hashes files, loads no model)."""
        from .indexing import read_sources, stale_reason

        s = self.settings
        out: dict[str, Any] = {"index_dir": str(s.index_dir), "source_dir": str(s.source_dir), "exists": False}
        docs, warnings = read_sources(s)
        current = {d.source: d.sha256 for d in docs}
        if not store.exists(s.index_dir):
            out.update(stale=True, reason="no index yet", documents=[], pending=sorted(current), warnings=warnings)
            return out
        manifest = store.read_manifest(s.index_dir)
        files = manifest.get("files", {})
        indexed = {src: meta["sha256"] for src, meta in files.items()}
        pending = sorted(src for src in current if indexed.get(src) != current[src])
        gone = sorted(set(indexed) - set(current))
        reason = stale_reason(s, self.embedder.name, manifest)
        if not reason and (pending or gone):
            reason = f"{len(pending)} new or changed, {len(gone)} deleted file(s)"
        out.update(exists=True, stale=bool(reason), reason=reason, built_at=manifest.get("built_at"),
                   embedder=manifest.get("embedder"), counts=manifest.get("counts"),
                   documents=[{"source": src, "passages": meta.get("passages", 0)} for src, meta in sorted(files.items())],
                   pending=pending, deleted=gone, warnings=warnings)
        return out

    def _ready(self) -> _Engine:
        engine = self._engine
        if engine is not None:
            return engine
        with self._lock:
            if self._engine is None:
                self._engine = self._load()
            return self._engine

    def _load(self, build_if_needed: bool = True) -> _Engine:
        from .answering import make_answerer
        from .chain import build_chain
        from .retrieval import Retriever

        s = self.settings
        if self.auto_index and build_if_needed:
            if not store.exists(s.index_dir) or self.status()["stale"]:
                self.build_index()
        data = store.load(s.index_dir, self.embedder.name)
        retriever = Retriever(data, self.embedder, s.retrieval)
        answerer = make_answerer(s, retriever, self.chat_model)
        return _Engine(data=data, retriever=retriever, answerer=answerer, chain=build_chain(answerer))

    def load(self) -> "Assistant":
        """Load (building if needed) the index and the models now rather than on the first question."""
        engine = self._ready()
        engine.retriever.embedder.embed_queries(["warm up"])
        return self

    # ---- questions -------------------------------------------------------------------------------------------
    def check_question(self, question: str) -> str:
        if not isinstance(question, str) or not question.strip():
            raise QuestionError("the question is empty; ask something about the documents")
        if len(question) > self.settings.max_question_chars:
            raise QuestionError(f"the question is {len(question)} characters; the limit is "
                                f"{self.settings.max_question_chars}")
        if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in question):
            raise QuestionError("the question contains control characters; type it as plain text")
        return " ".join(question.split())

    def search(self, query: str, k: int | None = None) -> list[Passage]:
        """The ``k`` best passages for ``query`` (dense + BM25, fused), each with its ``score``."""
        k = self.settings.retrieval.k if k is None else k
        if not isinstance(k, int) or not 1 <= k <= MAX_K:
            raise QuestionError(f"k must be a whole number from 1 to {MAX_K} (got {k})")
        query = self.check_question(query)  # a bad question is reported before any index work
        return self._ready().retriever.search(query, k)

    def ask(self, question: str, history: History | None = None) -> Answer:
        """Answer from the documents, every sentence cited; ``history`` = earlier (question, answer) turns."""
        question = self.check_question(question)
        return self._ready().chain.invoke({"question": question, "history": list(history or [])})

    def stream(self, question: str, history: History | None = None) -> Iterator[StreamEvent]:
        """Yield the answer text as it is produced; the last event carries the whole ``Answer``."""
        question = self.check_question(question)
        engine = self._ready()
        streamer = getattr(engine.answerer, "stream", None)
        if streamer is not None:
            yield from streamer(question, list(history or []))
            return
        answer = self.ask(question, history)
        for i, word in enumerate(answer.answer.split(" ")):
            yield StreamEvent(text=word if i == 0 else " " + word)
        yield StreamEvent(answer=answer)

    # ---- LangChain faces -------------------------------------------------------------------------------------
    @property
    def chain(self):
        """The LCEL chain (condense -> retrieve -> answer): ``invoke({"question": ..., "history": [...]})``."""
        return self._ready().chain

    def as_retriever(self, k: int | None = None):
        """A LangChain ``BaseRetriever`` over this assistant's index."""
        from .chain import build_retriever

        return build_retriever(self, k or self.settings.retrieval.k)

    def headings(self) -> dict[str, str]:
        """Passage id -> the heading the passage sits under."""
        return {p.passage_id: p.heading for p in self._ready().data.passages}

    @property
    def documents(self) -> dict[str, str]:
        """Indexed source texts by source path (what citations' offsets point into)."""
        return self._ready().data.texts
