"""Checks on candidate evidence text: does it hold the kind of answer the question asks for?"""
from __future__ import annotations

import re

from ..text import STOPWORDS, stem, words

_NUMBER_WORDS = (r"once|twice|thrice|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|sixty|"
                 r"seventy|eighty|ninety|hundreds?|thousands?|millions?|billions?|trillions?|dozens?|half|quarter|"
                 r"double|twice|percent|per\s+cent")
_QUANTITY = re.compile(rf"\d|%|\b(?:{_NUMBER_WORDS})\b", re.I)
_MONTHS = r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
_TIME = re.compile(
    rf"\b(?:\d{{3,4}}s?|\d{{1,2}}(?:st|nd|rd|th)?|{_MONTHS}|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"today|yesterday|tomorrow|tonight|ago|century|centuries|decades?|annually|weekly|daily|spring|summer|autumn|"
    r"winter|morning|evening|afternoon|night|weekend)\b|"
    rf"\b(?:last|next|this|past|coming|previous|following|early|late)\s+(?:{_NUMBER_WORDS}\s+)?(?:years?|months?|weeks?|days?|decades?)\b|"
    rf"\b(?:{_NUMBER_WORDS}|several|few|many)\s+(?:years?|months?|weeks?|days?|hours?|decades?)\b", re.I)
_STANCE = re.compile(
    r"\b(?:say|says|said|saying|told|tell|tells|call|calls|called|label(?:l?ed|s)?|describ(?:ed|es|ing)|insist(?:ed|s)?|"
    r"emphasi[sz](?:ed|es)|highlight(?:ed|s)?|stat(?:ed|es)|announc(?:ed|es)|claim(?:ed|s)?|argu(?:ed|es)|"
    r"den(?:ied|ies|y)|welcom(?:ed|es)|condemn(?:ed|s)?|critici[sz](?:ed|es)|prais(?:ed|es)|react(?:ed|s)?|"
    r"respond(?:ed|s)?|warn(?:ed|s)?|not(?:ed|es)|believ(?:e|es|ed)|view(?:ed|s)?|see|sees|saw|perceiv(?:e|es|ed)|"
    r"fram(?:ed|es)|consider(?:ed|s)?|regard(?:ed|s)?|according\s+to|reasoning|insisted|suggest(?:ed|s)?|"
    r"acknowledg(?:ed|es)|admit(?:ted|s)?|explain(?:ed|s)?|clear)\b|[“”\"]", re.I)
_CAUSE = re.compile(
    r"\b(?:because|since|due\s+to|owing\s+to|as\s+a\s+result|result(?:ed|s)?\s+in|forc(?:ed|ing|es)|so\s+that|"
    r"in\s+order\s+to|aim(?:ed|s)?\s+at|aims?\s+to|thanks\s+to|given\s+that|le(?:d|ads?)\s+to|caus(?:e|ed|es|ing)|"
    r"reasons?|reasoning|therefore|thus|hence|rendering|driven\s+by|motivated|meant\s+to|so\s+as\s+to|why)\b", re.I)
_DENIAL = re.compile(r"\b(?:den(?:ied|ies|y)|never|false|not\s+true|no\s+evidence|reject(?:ed|s)?|nothing\s+to\s+do|"
                     r"stops?\s+short|short\s+of|not\s+looking|rather\s+than|instead\s+of|no\s+longer)\b", re.I)


_TIME_UNIT = re.compile(r"\s+(?:years?|months?|weeks?|days?|hours?|minutes?|decades?|centuries)\b", re.I)


def has_quantity(text: str) -> bool:
    """A number that is not just a length of time ("three years" doesn't say how much trade there was)."""
    return any(not _TIME_UNIT.match(text, m.end()) for m in _QUANTITY.finditer(text))


def has_duration(text: str) -> bool:
    return bool(_QUANTITY.search(text)) or has_time(text)


def has_time(text: str) -> bool:
    return bool(_TIME.search(text))


_CONDITION = re.compile(r"\b(?:if|when|whenever|once|after|before|until|unless|upon|while|as\s+soon\s+as)\b", re.I)
_EXCEPTION_NAME = re.compile(r"\b[A-Z]\w*(?:Error|Exception|Warning|Exit|Interrupt|Group)\b")


def has_condition(text: str) -> bool:
    """'When is X executed?' in reference text is often answered by a condition ('if ...'), not a date."""
    return bool(_CONDITION.search(text))


def new_exceptions(text: str, question: str) -> list[str]:
    asked = set(_EXCEPTION_NAME.findall(question))
    return [e for e in _EXCEPTION_NAME.findall(text) if e not in asked]


def has_stance(text: str) -> bool:
    return bool(_STANCE.search(text))


def has_cause(text: str) -> bool:
    return bool(_CAUSE.search(text))


def has_denial(text: str) -> bool:
    return bool(_DENIAL.search(text))


_PROPER_ADJECTIVE = re.compile(r"\w{2,}(?:ern|ian|ean|ese|ish)$")  # Western, Iranian, European: describe, don't name


def names(text: str) -> list[str]:
    """Capitalised words that look like names (a sentence's first word only when a name follows it)."""
    ws = words(text)
    out = []
    for i, w in enumerate(ws):
        if not w[:1].isupper() or w.lower() in STOPWORDS or _PROPER_ADJECTIVE.search(w):
            continue
        if i == 0 and not (len(ws) > 1 and ws[1][:1].isupper()):
            continue
        out.append(w)
    return out


def name_runs(text: str) -> list[list[str]]:
    """Runs of consecutive name words: 'How did Ali Khamenei react' -> [['Ali', 'Khamenei']]."""
    ws = words(text)
    kept = set(names(text))
    runs: list[list[str]] = []
    prev = -2
    for i, w in enumerate(ws):
        if w in kept:
            if i == prev + 1 and runs:
                runs[-1].append(w)
            else:
                runs.append([w])
            prev = i
    return runs


def introduces(text: str, name: tuple[str, ...]) -> bool:
    """Does the sentence say who/what ``name`` is: 'Role, Name,' / 'Name, role,' / 'Name is/was ...'?"""
    if not name:
        return False
    n = r"\s+".join(re.escape(w) for w in name)
    return bool(re.search(rf",\s*{n}\s*,|(?:^|[^’'\w]){n}(?:’s|'s)?\s*,\s*(?:the\s+|a\s+|an\s+)?[\w’']+"
                          rf"|\b{n}\s+(?:is|was|are|were|serves|served)\b", text))


def new_names(text: str, question: str, is_topic) -> list[str]:
    """Names in ``text`` that the question doesn't already contain and that aren't the corpus's recurring topics."""
    asked = {stem(w) for w in words(question)}
    return [n for n in names(text) if stem(n) not in asked and not is_topic(stem(n))]
