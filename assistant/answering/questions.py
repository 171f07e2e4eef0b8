"""Question analysis without a model: parts of a multi-part question, the kind of answer each part expects,
and instructions that try to hijack the assistant."""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..text import terms

_WH = r"(?:what|who|whom|whose|which|when|where|why|how|did|does|do|is|are|was|were|can|could|has|have|will|would)"
_PART_SPLIT = re.compile(rf"(?:[,;]\s*(?:and\s+|but\s+)?|\s+(?:and|but)\s+)(?={_WH}\b)", re.I)

_INJECTION = re.compile(
    r"\b(?:ignore|disregard|forget|override|bypass)\b[^.?!]{0,60}\b(?:instruction|prompt|rule|article|document|"
    r"context|above|previous|system|question)s?\b"
    r"|\bsystem\s+(?:prompt|override|message|instruction)s?\b"
    r"|\b(?:reveal|print|show|repeat|output|leak|dump)\b[^.?!]{0,40}\b(?:prompt|instructions|system message|"
    r"hidden|secret|configuration)\b"
    r"|\byou\s+are\s+now\b|\bpretend\s+(?:to\s+be|you)\b|\bjailbreak\b|\bdeveloper\s+mode\b|\bact\s+as\s+(?:an?\s+)?(?:unfiltered|different)\b",
    re.I)

_QUANTITY = re.compile(r"\bhow\s+(?:many|much|long|far|big|large|old|often|fast|high|tall|heavy)\b|\b(?:what|which)\s+"
                       r"(?:is\s+|was\s+|are\s+|were\s+)?(?:the\s+)?(?:\w+\s+)?(?:number|percentage|percent|amount|"
                       r"volume|quantity|share|proportion|size|cost|price|value|rate|total|sum|figure|distance|length|"
                       r"version|release)s?\b", re.I)
_DURATION = re.compile(r"\bhow\s+(?:long|old|often)\b|\bhow\s+many\s+(?:years|months|weeks|days|hours|minutes|"
                       r"seconds|decades|times)\b", re.I)
_AUX = r"(?:is|are|was|were|do|does|did|will|would|can|could|should|shall|has|have|had|must|may|might)"
_TIME = re.compile(rf"^\s*(?:and\s+)?when\s+{_AUX}\b|\b(?:what|which)\s+(?:year|date|day|month|time|decade|century|week)\b|"
                   r"\bby\s+when\b|\bhow\s+soon\b|\bsince\s+when\b", re.I)
_EXCEPTION = re.compile(r"\b(?:which|what)\s+(?:\w+\s+)?(?:exception|error|warning)s?\b", re.I)
_NAME = re.compile(r"\bwhat(?:'s|’s|\s+is|\s+was|\s+are|\s+were)?\s+(?:the\s+)?names?\b|\bwhat\s+is\s+\w+\s+called\b|"
                   r"\bname\s+(?:of|the)\b", re.I)
_ENTITY = re.compile(r"^\s*(?:and\s+)?(?:who|whom|whose)\b|\bwhich\s+(?:\w+\s+){0,3}?(?:country|countries|nation|"
                     r"state|city|regime|government|official|person|people|leader|minister|president|company|"
                     r"organi[sz]ation|group|alliance|bloc|region|port|agency|author|spokesman|spokesperson|ambassador)\b",
                     re.I)
_NAME_WORDS = r"((?:[A-Z][\w’'.-]*\s*)+?)"
_IDENTITY = re.compile(  # "Who is Kazem Jalali?", "What position does Kazem Jalali hold?", "What is Jalali's role?"
    rf"^\s*(?:[Aa]nd\s+)?(?:[Ww]ho\s+(?:is|was|are|were)\s+{_NAME_WORDS}\??\s*$"
    rf"|[Ww]hat\s+(?:position|role|title|job|post|office)\s+(?:does|did)\s+{_NAME_WORDS}\s+(?:hold|have|occupy|fill)\b"
    rf"|[Ww]hat\s+(?:is|was)\s+{_NAME_WORDS}(?:’s|'s)\s+(?:position|role|title|job|post|office)\b)")
_WHY = re.compile(r"^\s*(?:and\s+)?why\b|\bhow\s+come\b|\bfor\s+what\s+reason\b|\bwhat\s+(?:is|was|are|were)\s+the\s+"
                  r"reasons?\b|\bwhat\s+(?:led|caused|prompted|drove|forced)\b", re.I)
_STANCE_Q = re.compile(r"\b(?:react|reacted|reaction|respond|responded|response|reply|replied|view|views|viewed|feel|"
                       r"felt|think|thought|regard|regards|regarded|perceive|perceived|describe|described|"
                       r"characteri[sz]e|characteri[sz]ed|call|called|say|said|says|claim|claimed|announce|announced|"
                       r"comment|commented|deny|denied|denies|consider|considers|considered|label|labeled|labelled|"
                       r"opinion|position|stance|attitude)\b", re.I)
_ABOUT_TEXT = re.compile(r"\b(?:article|text|document|author|writer|passage|conclusion|introduction|report|story|"
                         r"piece|section)\b", re.I)

_START = re.compile(r"\b(?:introduction|intro|opening|beginning|first\s+paragraph|lead\s+paragraph|at\s+the\s+start)\b", re.I)
_END = re.compile(r"\b(?:conclusion|concluding|closing|final\s+paragraph|last\s+paragraph|at\s+the\s+end|ending)\b", re.I)
_NAME_OF = re.compile(r"\bname\s+of\s+(?:the\s+|a\s+|an\s+)?((?:[\w’'-]+\s*){1,5})", re.I)
_PASSIVE_REPORT = re.compile(r"\b(?:is|are|was|were)\s+(?:said|thought|considered|described|called)\b|\bsaid\s+to\b", re.I)


@dataclass(frozen=True)
class QuestionPart:
    """One thing the user asked, and what a correct answer to it must contain. ``query`` is what retrieval and
    scoring use: the text itself, or, for a follow-up, the text with the conversation's context."""

    text: str
    query: str = ""
    expects: str | None = None  # quantity | duration | time | exception | name | entity | identity | None
    why: bool = False
    stance: bool = False  # asks what someone said/thought/how they reacted: evidence must attribute it
    position: str | None = None  # "start" | "end": the question points at a document's introduction/conclusion
    focus: tuple[str, ...] = ()  # "what is the name of X": the words of X; "who is X": the name X


def _is_question(piece: str) -> bool:
    """'Who denied X' / 'When is X run' are questions; 'When the suite exits' / 'In the introduction' are not."""
    first = piece.strip().split(" ", 1)[0].lower() if piece.strip() else ""
    if first in ("when", "where", "while", "if", "after", "before", "once"):
        return bool(re.match(rf"\s*\w+\s+{_AUX}\b", piece, re.I))
    return bool(re.search(rf"\b{_WH}\b", piece, re.I))


def is_injection(question: str) -> bool:
    return bool(_INJECTION.search(question))


def split_parts(question: str) -> list[str]:
    """'Who X, and what Y?' -> ['Who X', 'what Y?']; one-part questions come back whole."""
    parts: list[str] = []
    for sentence in re.split(r"(?<=\?)\s+", question.strip()):
        pieces = [p.strip(" ,;") for p in _PART_SPLIT.split(sentence)]
        merged = [pieces[0]]
        for piece in pieces[1:]:
            # a lead-in like "In the introduction," is not a question of its own: keep it with what follows
            if not _is_question(merged[-1]) or len(re.findall(r"\w+", piece)) < 3:
                merged[-1] = f"{merged[-1]}, {piece}"
            else:
                merged.append(piece)
        parts.extend(merged)
    parts = [p for p in parts if re.search(r"\w", p)]
    return parts or [question.strip()]


def analyse(part: str, context: str = "") -> QuestionPart:
    expects, focus = None, ()
    if _DURATION.search(part):
        expects = "duration"
    elif _QUANTITY.search(part):
        expects = "quantity"
    elif _EXCEPTION.search(part):
        expects = "exception"
    elif _TIME.search(part):
        expects = "time"
    elif _NAME.search(part):
        expects = "name"
    elif _IDENTITY.search(part):
        expects = "identity"
        m = _IDENTITY.search(part)
        focus = tuple(next(g for g in m.groups() if g).split())
    elif _ENTITY.search(part):
        expects = "entity"
    asked = _PASSIVE_REPORT.sub(" ", part)
    stance = bool(_STANCE_Q.search(asked)) and not _ABOUT_TEXT.search(asked)
    position = "start" if _START.search(part) else "end" if _END.search(part) else None
    m = _NAME_OF.search(part) if expects == "name" else None
    focus = tuple(terms(m.group(1))) if m else focus
    return QuestionPart(text=part, query=f"{context} {part}".strip(), expects=expects, why=bool(_WHY.search(part)), stance=stance, position=position,
                        focus=focus)


def analyse_question(question: str, context: str = "") -> list[QuestionPart]:
    return [analyse(p, context) for p in split_parts(question)]
