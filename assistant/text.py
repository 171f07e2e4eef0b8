"""Plain-text helpers shared by chunking, BM25 and answering: sentence spans, terms, stems."""
from __future__ import annotations

import re

# A sentence ends at . ! ? (plus closing quotes/brackets) followed by whitespace and a likely sentence start.
_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])")
_ABBREV = {"mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "e.g", "i.e", "inc", "ltd", "co",
           "corp", "gen", "col", "lt", "sgt", "gov", "sen", "rep", "no", "fig", "vol", "jan", "feb", "mar",
           "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.k", "u.n", "a.m", "p.m"}
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")


def _is_abbreviation(text: str, dot: int) -> bool:
    """True when the period at ``dot`` closes an abbreviation or an initial, not a sentence."""
    if text[dot] != ".":
        return False
    lo = max(0, dot - 12)  # look back a few characters only: splitting stays linear in the file size
    newline = text.rfind("\n", lo, dot)
    prefix = text[newline + 1:dot] if newline >= 0 else (text[:dot] if lo == 0 else None)
    if prefix is not None and re.fullmatch(r"\s*(?:\d{1,3}|[A-Za-z]|[ivxIVX]{1,4})", prefix):
        return True  # "1. ", "b. ", "iv. " open a list item
    m = _WORD_BEFORE.search(text, max(0, dot - 40), dot)
    if not m:
        return False
    word = m.group(1)
    return len(word) == 1 and word.isupper() or word.lower() in _ABBREV or bool(re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]", word))


_BLOCK_BREAK = re.compile(r"\n[ \t]*\n\s*")  # blank line(s): a paragraph ends
# a line that starts a unit of its own: list items, table rows, fences, block quotes, underlines
_LINE_START = re.compile(r"\n(?=[ \t]*(?:[-*+•]\s|\d{1,3}[.)]\s|\||```|~~~|>|[=*~^-]{3,}\s*$))", re.M)


def sentence_spans(text: str, start: int = 0, end: int | None = None, max_chars: int = 1000) -> list[tuple[int, int]]:
    """Sentence (start, end) offsets in ``text[start:end]``, stripped of surrounding whitespace.

    Hard-wrapped prose is read across line breaks; paragraphs (blank lines), list items, table rows and the like
    always start a new sentence."""
    end = len(text) if end is None else end
    blocks: list[tuple[int, int]] = []
    pos = start
    for m in _BLOCK_BREAK.finditer(text, start, end):
        blocks.append((pos, m.start()))
        pos = m.end()
    blocks.append((pos, end))
    units: list[tuple[int, int]] = []
    for lo, hi in blocks:
        cut = lo
        for m in _LINE_START.finditer(text, lo, hi):
            units.append((cut, m.start()))
            cut = m.start() + 1
        units.append((cut, hi))
    spans: list[tuple[int, int]] = []
    for lo, hi in units:
        cut = lo
        for m in _END.finditer(text, lo, hi):
            if _is_abbreviation(text, m.start()):
                continue
            spans.append((cut, m.end()))
            cut = m.end()
        spans.append((cut, hi))
    out = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            out.extend(_cap_length(text, a, b, max_chars))
    return out


def _cap_length(text: str, a: int, b: int, max_chars: int) -> list[tuple[int, int]]:
    """Cut an over-long sentence (a table row, code) at whitespace so no span exceeds ``max_chars``."""
    out = []
    while b - a > max_chars:
        cut = text.rfind(" ", a + max_chars // 2, a + max_chars)
        cut = a + max_chars if cut <= a else cut
        out.append((a, cut))
        a = cut
        while a < b and text[a].isspace():
            a += 1
    if a < b:
        out.append((a, b))
    return out


STOPWORDS = frozenset("""
a about above after again against all also am an and any are aren't as at be because been before being below
between both but by can could did do does doing down during each few for from further had has have having he her
here hers herself him himself his how i if in into is it its itself just let me more most my myself no nor not of
off on once only or other our ours ourselves out over own same she should so some such than that the their theirs
them themselves then there these they this those through to too under until up very was we were what when where
which while who whom why will with would you your yours yourself yourselves s t don't didn't doesn't isn't wasn't
weren't won't wouldn't shouldn't couldn't can't cannot according article say said says tell text document
author writer introduction conclusion paragraph section passage mention mentioned mentions describe described
""".split())

_TOKEN = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")


def stem(word: str) -> str:
    """A small, predictable suffix stripper (enough to match sanction/sanctions, planned/planning)."""
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    for suffix, keep in (("ies", "y"), ("ied", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", ""), ("ly", "")):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3 and not w.endswith("ss"):
            w = w[: -len(suffix)] + keep
            break
    if len(w) > 4 and w[-1] == w[-2] and w[-1] not in "aeiouls":
        w = w[:-1]
    if len(w) > 4 and w.endswith("e"):
        w = w[:-1]
    return w


def words(text: str) -> list[str]:
    return _TOKEN.findall(text)


def terms(text: str) -> list[str]:
    """Content terms: lower-cased, stop words dropped, stemmed."""
    out = []
    for w in words(text):
        low = w.lower().replace("’", "'")
        if low.endswith("'s"):
            low = low[:-2]
        if (low not in STOPWORDS and len(low) > 1) or low.isdigit():
            out.append(stem(low))
    return out
