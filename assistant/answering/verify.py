"""Checks shared by every answerer: which [n] markers are real, and whether each answer sentence is supported
by the passage(s) it cites (embedding similarity + word overlap + no invented numbers or names)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..text import sentence_spans, terms

_MARKERS = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")
SUPPORT_THRESHOLD = 0.5


@dataclass
class SentenceCheck:
    text: str
    citations: list[int] = field(default_factory=list)
    supported: bool = False
    support: float = 0.0

    def to_json(self) -> dict:
        return {"text": self.text, "citations": self.citations, "supported": self.supported}


def split_claims(answer: str) -> list[tuple[str, list[int]]]:
    """Answer sentences without their markers, each with the passage numbers it cites ('[1][3]', '[1, 3]')."""
    out = []
    spans = sentence_spans(answer, max_chars=2000)
    # a marker right after a sentence's end belongs to that sentence, even when the splitter put it on the next one
    for a, b in spans:
        raw = answer[a:b]
        lead = re.match(r"^(?:\s*\[\d+(?:\s*,\s*\d+)*\])+", raw)
        if lead and out:
            out[-1][1].extend(int(n) for group in re.findall(r"\[([\d,\s]+)\]", lead.group(0))
                              for n in group.split(","))
            raw = raw[lead.end():]
        numbers = [int(n) for group in _MARKERS.findall(raw) for n in group.split(",")]
        text = " ".join(_MARKERS.sub("", raw).split())
        if text:
            out.append((text, numbers))
    return [(t, list(dict.fromkeys(ns))) for t, ns in out]


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]{2,}\b")


def invented_details(claim: str, evidence: str) -> list[str]:
    """Numbers and capitalised names in the claim that the evidence never mentions."""
    ev = evidence.lower()
    missing = [n for n in _NUMBER.findall(claim) if n not in evidence]
    missing += [w for w in _NAME.findall(claim) if w.lower() not in ev]
    return missing


def lexical_support(claim: str, evidence: str) -> float:
    c = set(terms(claim))
    return len(c & set(terms(evidence))) / len(c) if c else 1.0
