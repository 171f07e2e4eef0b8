"""The typed objects that flow between the pipeline's roles; each converts to the JSON the CLI prints."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Span:
    """A sentence inside a source file: ``file_text[start:end] == text``."""

    start: int
    end: int


@dataclass
class Passage:
    """A retrievable piece of one source file; ``file_text[start:end] == text`` exactly."""

    passage_id: str
    source: str
    start: int
    end: int
    text: str
    heading: str = ""
    sentences: list[Span] = field(default_factory=list)
    score: float = 0.0

    def to_json(self, rank: int | None = None) -> dict:
        out = {"passage_id": self.passage_id, "source": self.source, "heading": self.heading,
               "start": self.start, "end": self.end, "text": self.text, "score": round(self.score, 4)}
        return out if rank is None else {"rank": rank, **out}

    def to_store(self) -> dict:
        return {"passage_id": self.passage_id, "source": self.source, "heading": self.heading,
                "start": self.start, "end": self.end, "text": self.text,
                "sentences": [[s.start, s.end] for s in self.sentences]}

    @classmethod
    def from_store(cls, d: dict) -> "Passage":
        return cls(passage_id=d["passage_id"], source=d["source"], start=d["start"], end=d["end"],
                   text=d["text"], heading=d.get("heading", ""),
                   sentences=[Span(a, b) for a, b in d.get("sentences", [])])


@dataclass
class Citation:
    """Marker ``[n]`` in an answer: the exact quoted span of a source file."""

    n: int
    source: str
    start: int
    end: int
    text: str
    passage_id: str
    score: float = 0.0

    def to_json(self) -> dict:
        d = asdict(self)
        d["score"] = round(self.score, 4)
        return d


@dataclass
class Answer:
    question: str
    answer: str
    citations: list[Citation] = field(default_factory=list)
    refused: bool = False
    answerer: str = "extractive"
    sentences: list | None = None  # generative answers: per sentence, its citations and whether it is supported
    # how the answer text is built: (text, citation numbers after it, supported or None) — lets a renderer link
    # exactly the markers the answerer placed, never a "[2]" that happens to be inside a quote
    segments: list[tuple[str, list[int], bool | None]] = field(default_factory=list, repr=False)

    def to_json(self) -> dict:
        out = {"question": self.question, "answer": self.answer, "refused": self.refused,
               "citations": [c.to_json() for c in self.citations], "answerer": self.answerer}
        if self.sentences is not None:
            out["sentences"] = [s.to_json() for s in self.sentences]
        return out


@dataclass
class StreamEvent:
    """One step of ``Assistant.stream``: ``text`` is new answer text; the last event carries the ``answer``."""

    text: str = ""
    answer: Answer | None = None


@dataclass
class IndexReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    passages: int = 0
    embedded: int = 0
    full_rebuild: bool = False
    reason: str = ""
    seconds: float = 0.0

    def to_json(self) -> dict:
        return asdict(self)

    @property
    def changed_anything(self) -> bool:
        return bool(self.added or self.changed or self.removed or self.full_rebuild)

    def summary(self) -> str:
        """One line for people (the CLI and the UI print the same)."""
        if not self.changed_anything:
            return f"index is up to date ({self.passages} passages, {len(self.unchanged)} document(s))"
        why = f" ({self.reason})" if self.full_rebuild and self.reason else ""
        return (f"{'rebuilt' if self.full_rebuild else 'updated'} index{why}: {self.passages} passages; "
                f"added {len(self.added)}, changed {len(self.changed)}, removed {len(self.removed)}, "
                f"unchanged {len(self.unchanged)}; embedded {self.embedded} passages in {self.seconds:.1f}s")
