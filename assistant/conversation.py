"""Follow-up questions without an LLM: an elliptical or pronoun-led question borrows the previous question's words
for retrieval ("What did he call the agreement?" after "Who is Iran's foreign minister?")."""
from __future__ import annotations

import re

from .text import terms

_PRONOUN = re.compile(r"\b(?:he|she|it|they|him|her|them|his|hers|its|their|theirs|this|that|these|those|there|"
                      r"the same|such|former|latter)\b", re.I)
_CONTINUATION = re.compile(r"^\s*(?:and|but|also|so|what about|how about|why not|how so|"
                           r"anything else|what else|who else|tell me more)\b", re.I)
_NAME_INSIDE = re.compile(r"(?<!^)(?<![.?!]\s)\b[A-Z][a-z]+")


def is_follow_up(question: str) -> bool:
    """A question that can't stand alone: very short, starts like a continuation, or leans on a pronoun with no
    name of its own to anchor it."""
    content = terms(question)
    if len(content) <= 1:
        return True
    if _CONTINUATION.match(question) and len(content) <= 4:
        return True
    return bool(_PRONOUN.search(question)) and not _NAME_INSIDE.search(question)


def follow_up_context(question: str, history: list[tuple[str, str]] | None) -> str:
    """Words to add to a follow-up question for retrieval: the previous question ('' when the question stands
    alone). ``history`` is a list of (user question, assistant answer) turns, oldest first."""
    if not history or not is_follow_up(question):
        return ""
    return history[-1][0]

