"""The eval metrics on a tiny hand-made set whose right scores are known."""
import json

import pytest

from assistant.errors import AssistantError
from assistant.evaluation import evaluate, load_items
from assistant.types import Answer, Citation, Passage

DOC = "Alpha is red. Beta is blue. Gamma is green. Delta is gold."
#      0             14            28             43


class HandMade:
    """A fixed answer sheet standing in for the assistant, so every metric's right value is known."""

    documents = {"d.md": DOC}

    def __init__(self):
        def cite(n, start, end):
            return Citation(n=n, source="d.md", start=start, end=end, text=DOC[start:end], passage_id="p")

        self.answers = {
            "q1": Answer("q1", "Alpha is red. [1]", [cite(1, 0, 13)]),                  # right, precise
            "q2": Answer("q2", "Gamma is green. [1] Delta is gold. [2]", [cite(1, 28, 43), cite(2, 44, 58)]),
            "q3": Answer("q3", "no", [], refused=True),                                  # false refusal
            "q4": Answer("q4", "no", [], refused=True),                                  # right refusal
            "q5": Answer("q5", "Beta is blue. [1]", [cite(1, 14, 27)]),                  # should have refused
        }
        self.ranks = {"q1": [0, 14], "q2": [14, 28], "q3": [0, 43]}

    def ask(self, q):
        return self.answers[q]

    def search(self, q, k):
        return [Passage(passage_id=str(s), source="d.md", start=s, end=s + 13, text=DOC[s:s + 13])
                for s in self.ranks.get(q, [])]


ITEMS = [
    {"id": "1", "question": "q1", "answerable": True, "must_include": ["red"], "evidence": ["Alpha is red"]},
    {"id": "2", "question": "q2", "answerable": True, "must_include": ["green", "silver|gold"],
     "evidence": ["Beta is blue", "Gamma is green"]},
    {"id": "3", "question": "q3", "answerable": True, "must_include": ["gold"], "evidence": ["Delta is gold"]},
    {"id": "4", "question": "q4", "answerable": False},
    {"id": "5", "question": "q5", "answerable": False},
]


def test_metrics_match_hand_computed_values():
    for item in ITEMS:
        item.setdefault("must_include", [])
        item.setdefault("evidence", [])
    r = evaluate(HandMade(), ITEMS)
    assert r.answer_accuracy == pytest.approx(2 / 3)      # q1, q2 right; q3 refused
    assert r.false_refusal_rate == pytest.approx(1 / 3)
    assert r.refusal_accuracy == pytest.approx(1 / 2)     # q4 refused, q5 answered
    assert r.citation_precision == pytest.approx(2 / 4)   # q1[1], q2[1] overlap evidence; q2[2], q5[1] don't
    assert r.citation_recall == pytest.approx(2 / 4)      # quotes: Alpha yes, Beta no, Gamma yes, Delta no
    assert r.citations_exact == 1.0
    assert r.hit_at_1 == pytest.approx(2 / 3)             # q1 rank1, q2 rank1 (Beta), q3 rank2 (Delta at 43)
    assert r.hit_at_5 == 1.0
    assert r.mrr == pytest.approx((1 + 1 + 0.5) / 3)


def test_bad_eval_file_is_one_clear_error(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"question": "ok"}\nnot json\n')
    with pytest.raises(AssistantError, match=r"bad.jsonl:2"):
        load_items(path)
    with pytest.raises(AssistantError, match="no such file"):
        load_items(tmp_path / "missing.jsonl")
