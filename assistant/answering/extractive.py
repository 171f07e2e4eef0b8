"""The default answerer: verbatim, located sentences from the retrieved passages, each cited, or a refusal.

For every part of the question it scores candidate sentences (dense cosine of the sentence and of its passage,
IDF-weighted word overlap), keeps the best one that holds the kind of answer asked for (a number for "how many", a
date for "when", a name for "who", an attributed statement for "how did X react"), widens it to the next sentence
when a "why" question's best sentence only restates the question, and refuses when the support is weak.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..conversation import follow_up_context
from ..retrieval import Hits, Retriever
from ..settings import AnswerSettings
from ..text import terms
from ..types import Answer, Citation
from . import evidence
from .questions import QuestionPart, analyse_question, is_injection

W_SENTENCE, W_LEXICAL, W_PASSAGE = 0.5, 0.3, 0.2
CANDIDATE_MARGIN = 0.15  # a sentence that fits the answer type may win if within this of the best score
TOPIC_SHARE = 0.05
POSITION_BONUS = 0.1
WHY_MARGIN = 0.06  # how far below the best a sentence that states a reason may score and still be preferred
CONTEXT_WEIGHT = 0.3  # a follow-up's borrowed words help find the topic; its own words pick the sentence  # "in the introduction/conclusion": sentences of a document's first/last passage  # a name in more than this share of sentences is a topic of the corpus, not an answer


@dataclass
class Unit:
    """A run of consecutive sentences (rows) quoted as one citation."""

    rows: list[int]
    score: float


@dataclass
class PartResult:
    part: QuestionPart
    unit: Unit | None
    reason: str = ""


def compose(segments: list[tuple[str, list[int], bool | None]]) -> str:
    """'sentence [1] sentence [2][3] (unverified)': the answer text every face shows."""
    return " ".join((text + "".join(f" [{n}]" if i == 0 else f"[{n}]" for i, n in enumerate(numbers))
                     + (" (unverified)" if supported is False else "")) for text, numbers, supported in segments)


class ExtractiveAnswerer:
    name = "extractive"

    def __init__(self, retriever: Retriever, cfg: AnswerSettings):
        self.retriever, self.cfg = retriever, cfg
        self.data = retriever.data

    # ---- retrieval side -------------------------------------------------------------------------------------
    def retrieve(self, question: str, context: str = "") -> list[tuple[QuestionPart, Hits]]:
        """Analyse the question and retrieve for each of its parts (one batched embedding call); ``context`` (the
        previous question, for a follow-up) is added to each part's retrieval query."""
        if is_injection(question):
            return []
        parts = analyse_question(question, context)
        vecs = self.retriever.embedder.embed_queries([p.query for p in parts])
        return [(p, self.retriever.hits(p.query, v)) for p, v in zip(parts, vecs)]

    # ---- answering side -------------------------------------------------------------------------------------
    def answer(self, question: str, retrieved: list[tuple[QuestionPart, Hits]], asked: str | None = None) -> Answer:
        if not retrieved:
            return self.refusal(question)
        results = [self.answer_part(part, hits) for part, hits in retrieved]
        if all(r.unit is None for r in results):
            return self.refusal(question)
        segments, citations, seen = [], [], set()
        for r in results:
            if r.unit is None:
                segments.append((f"(The documents don't say: {r.part.text.rstrip('?')}?)", [], None))
                continue
            key = tuple(r.unit.rows)
            if key in seen:
                continue
            seen.add(key)
            citation = self.citation(len(citations) + 1, r.unit)
            citations.append(citation)
            segments.append((" ".join(citation.text.split()), [citation.n], True))
        return Answer(question=question, answer=compose(segments), citations=citations, refused=False,
                      answerer=self.name, segments=segments)

    def refusal(self, question: str, answerer: str | None = None) -> Answer:
        return Answer(question=question, answer=self.cfg.refusal, citations=[], refused=True,
                      answerer=answerer or self.name)

    def condense(self, question: str, history: list[tuple[str, str]] | None) -> tuple[str, str]:
        """(question to analyse and retrieve with, words borrowed from the conversation for retrieval)."""
        return question, follow_up_context(question, history)

    def citation(self, n: int, unit: Unit) -> Citation:
        first, last = self.data.sentences[unit.rows[0]], self.data.sentences[unit.rows[-1]]
        passage = self.data.passages[first.passages[0]]
        text = self.source_slice(first.source, first.start, last.end)
        return Citation(n=n, source=first.source, start=first.start, end=last.end, text=text,
                        passage_id=passage.passage_id, score=unit.score)

    def source_slice(self, source: str, start: int, end: int) -> str:
        return self.data.texts[source][start:end]

    def sentence_text(self, row: int) -> str:
        return self.retriever.sentence_text(row)

    def is_topic(self, term: str) -> bool:
        r = self.retriever
        df = r.df.get(term, 0)
        return r.n_sentences >= 20 and df >= 3 and df / r.n_sentences > TOPIC_SHARE

    def neighbour(self, row: int, step: int) -> int | None:
        """The next/previous sentence of the same file and section, or None."""
        other = row + step
        sentences = self.data.sentences
        if not 0 <= other < len(sentences) or sentences[other].source != sentences[row].source:
            return None
        a = self.data.passages[sentences[row].passages[0]].heading
        b = self.data.passages[sentences[other].passages[0]].heading
        return other if a == b else None

    def score_candidates(self, part: QuestionPart, hits: Hits) -> dict[int, float]:
        import numpy as np

        data, r = self.data, self.retriever
        rows = set(hits.sentence_cos)
        for p_row in hits.ranked()[: self.cfg.passages]:
            rows.update(self.rows_of(p_row))
        if not rows:
            return {}
        rows_l = sorted(rows)
        cos = data.sentence_vecs[rows_l] @ hits.qvec
        own = set(terms(part.text))
        weight = {t: (1.0 if t in own else CONTEXT_WEIGHT) for t in set(terms(part.query))}
        total = sum(r.term_idf(t) * w for t, w in weight.items()) or 1.0
        pcos_cache: dict[int, float] = {}
        scores = {}
        for row, c in zip(rows_l, cos):
            if self.sentence_text(row).rstrip().endswith("?"):
                continue  # a question never answers a question
            lex = sum(r.term_idf(t) * weight[t] for t in weight.keys() & r.sentence_terms[row]) / total
            pc = 0.0
            for p_row in data.sentences[row].passages:
                if p_row not in pcos_cache:
                    pcos_cache[p_row] = float(np.dot(data.passage_vecs[p_row], hits.qvec))
                pc = max(pc, pcos_cache[p_row])
            scores[row] = W_SENTENCE * float(c) + W_LEXICAL * lex + W_PASSAGE * pc
            if part.position and self.at_position(row, part.position):
                scores[row] += POSITION_BONUS
        return scores

    def at_position(self, row: int, where: str) -> bool:
        """Is sentence ``row`` in its document's first (``start``) or last (``end``) passage?"""
        if not hasattr(self, "_edges"):
            first: dict[str, int] = {}
            last: dict[str, int] = {}
            for i, p in enumerate(self.data.passages):
                first.setdefault(p.source, i)
                last[p.source] = i
            self._edges = {"start": set(first.values()), "end": set(last.values())}
        return any(p in self._edges[where] for p in self.data.sentences[row].passages)

    def rows_of(self, p_row: int) -> list[int]:
        if not hasattr(self, "_rows_of"):
            table: dict[int, list[int]] = {}
            for i, s in enumerate(self.data.sentences):
                for p in s.passages:
                    table.setdefault(p, []).append(i)
            self._rows_of = table
        return self._rows_of.get(p_row, [])

    def fits(self, part: QuestionPart, text: str) -> bool:
        if part.expects == "quantity" and not evidence.has_quantity(text):
            return False
        if part.expects == "duration" and not evidence.has_duration(text):
            return False
        if part.expects == "time" and not (evidence.has_time(text) or evidence.has_condition(text)):
            return False
        if part.expects == "exception" and not evidence.new_exceptions(text, part.text):
            return False
        if part.expects in ("name", "entity") and not evidence.new_names(text, part.text, self.is_topic):
            return False
        if part.stance and not evidence.has_stance(text):
            return False
        if part.expects == "identity":
            return evidence.introduces(text, part.focus)
        if part.focus and not self.mentions_focus(part, text):
            return False
        return True

    def mentions_focus(self, part: QuestionPart, text: str) -> bool:
        """'What is the name of the X?' needs evidence that talks about X (a non-topic word of X in it)."""
        wanted = {t for t in part.focus if not self.is_topic(t)}
        return not wanted or bool(wanted & set(terms(text)))

    def unknown_names(self, part: QuestionPart) -> list[str]:
        """Full names (two or more capitalised words, e.g. 'Ali Khamenei') of which the documents know no word:
        then the documents aren't about them. A single unknown word may be a paraphrase ('American' for 'U.S.')."""
        known = self.retriever.idf
        unknown, current = [], []
        for run in evidence.name_runs(part.text):
            for w in run + [""]:  # "" closes the run
                if w and not any(t in known for t in terms(w)):
                    current.append(w)
                    continue
                if len(current) >= 2:
                    unknown.append(" ".join(current))
                current = []
        return unknown

    def answer_part(self, part: QuestionPart, hits: Hits) -> PartResult:
        unknown = self.unknown_names(part)
        if unknown:
            return PartResult(part, None, f"the documents never mention {', '.join(unknown)}")
        scores = self.score_candidates(part, hits)
        if not scores:
            return PartResult(part, None, "nothing retrieved")
        ranked = sorted(scores, key=lambda i: -scores[i])
        best = scores[ranked[0]]
        if best < self.cfg.min_support:
            return PartResult(part, None, f"weak support {best:.2f}")
        # a sentence that must hold a number, date, name or attribution has to be well supported itself; a sentence
        # that only has to be the best about the topic may trail the best a little
        strict = part.expects not in (None, "identity") or part.stance
        floor = max(best - CANDIDATE_MARGIN, self.cfg.min_support) if strict else best - CANDIDATE_MARGIN
        if part.why:  # the sentence that gives the reason (or denies the premise), not the one that restates it
            ranked = sorted(ranked, key=lambda r: (scores[r] < best - WHY_MARGIN or not self.gives_reason(r), -scores[r]))
        for row in ranked:
            if scores[row] < floor:
                continue
            unit = self.fit_unit(part, row, scores[row])
            if unit is not None:
                return PartResult(part, unit)
        if part.expects == "identity":  # no sentence says who X is in so many words: the best one about X
            return PartResult(part, Unit([ranked[0]], best))
        return PartResult(part, None, f"no sentence holds the {part.expects or 'kind of'} answer asked for")

    def gives_reason(self, row: int) -> bool:
        text = self.sentence_text(row)
        return evidence.has_cause(text) or evidence.has_denial(text)

    def fit_unit(self, part: QuestionPart, row: int, score: float) -> Unit | None:
        """The sentence at ``row`` (widened to a neighbour when that is what holds the answer), or None."""
        text = self.sentence_text(row)
        if self.fits(part, text):
            if part.why and not (evidence.has_cause(text) or evidence.has_denial(text)):
                return Unit(self.widen_for_reason(row), score)
            return Unit([row], score)
        nxt = self.neighbour(row, +1)
        if part.expects in ("quantity", "duration", "time"):
            return None  # the number or date must sit in the sentence that matches the question
        if nxt is not None and self.fits(part, text + " " + self.sentence_text(nxt)):
            return Unit([row, nxt], score)
        return None

    def widen_for_reason(self, row: int) -> list[int]:
        """The best sentence restates a 'why' question: quote on to the first following sentence that gives a
        reason (up to three on), else just the next substantial one ('Why?' and the like are skipped)."""
        rows, cur = [row], row
        for _ in range(3):
            nxt = self.neighbour(cur, +1)
            if nxt is None:
                break
            rows.append(nxt)
            cur = nxt
            if evidence.has_cause(self.sentence_text(nxt)):
                return rows
        substantial = next((i for i, r in enumerate(rows[1:], 1) if len(self.sentence_text(r)) > 25), None)
        return rows[: substantial + 1] if substantial else rows[:1]
