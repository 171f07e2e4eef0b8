"""The metrics behind ``assistant eval``: answers, refusals, citations and retrieval over a JSONL question set.

Each line: {"id", "question", "answerable", "must_include": ["A|B", ...], "evidence": ["exact quote", ...]}
(the format of shared/eval/dev.jsonl; "type" is optional and only used to break results down).
"""
from __future__ import annotations

import json
import statistics
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .errors import AssistantError


@dataclass
class EvalReport:
    n: int = 0
    answerable: int = 0
    unanswerable: int = 0
    answer_accuracy: float = 0.0
    refusal_accuracy: float = 0.0
    false_refusal_rate: float = 0.0
    citation_precision: float = 0.0
    citation_recall: float = 0.0
    citations_exact: float = 0.0
    hit_at_1: float = 0.0
    hit_at_5: float = 0.0
    mrr: float = 0.0
    ask_ms_p50: float = 0.0
    ask_ms_p95: float = 0.0
    search_ms_p50: float = 0.0
    search_ms_p95: float = 0.0
    by_type: dict = field(default_factory=dict)
    items: list = field(default_factory=list)

    def to_json(self) -> dict:
        return asdict(self)

    def summary_lines(self) -> list[str]:
        return [
            f"questions            {self.n} ({self.answerable} answerable, {self.unanswerable} not)",
            f"answer accuracy      {self.answer_accuracy:.3f}",
            f"refusal accuracy     {self.refusal_accuracy:.3f}   (false refusals {self.false_refusal_rate:.3f})",
            f"citation precision   {self.citation_precision:.3f}",
            f"citation recall      {self.citation_recall:.3f}",
            f"citations exact      {self.citations_exact:.3f}",
            f"search hit@1 / hit@5 / MRR   {self.hit_at_1:.3f} / {self.hit_at_5:.3f} / {self.mrr:.3f}",
            f"ask latency p50/p95  {self.ask_ms_p50:.1f} / {self.ask_ms_p95:.1f} ms",
            f"search latency p50/p95  {self.search_ms_p50:.1f} / {self.search_ms_p95:.1f} ms",
        ]


def load_items(path: str | Path) -> list[dict]:
    path = Path(path)
    try:
        lines = path.read_text("utf-8").splitlines()
    except FileNotFoundError:
        raise AssistantError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AssistantError(f"{path}: cannot read ({exc})") from None
    items = []
    for no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            if not isinstance(item, dict) or not isinstance(item.get("question"), str):
                raise ValueError("needs a 'question' string")
        except ValueError as exc:
            raise AssistantError(f"{path}:{no}: not a question object ({exc})") from None
        item.setdefault("id", f"line{no}")
        item.setdefault("answerable", True)
        item.setdefault("must_include", [])
        item.setdefault("evidence", [])
        items.append(item)
    if not items:
        raise AssistantError(f"{path}: no questions in it")
    return items


def contains_all(answer: str, groups: list[str]) -> bool:
    text = answer.lower()
    return all(any(alt.strip().lower() in text for alt in group.split("|")) for group in groups)


def locate(quotes: list[str], documents: dict[str, str]) -> list[list[tuple[str, int, int]]]:
    """Every occurrence (source, start, end) of each evidence quote in the indexed documents."""
    out = []
    for quote in quotes:
        spots = []
        for source, text in documents.items():
            i = text.find(quote)
            while i >= 0:
                spots.append((source, i, i + len(quote)))
                i = text.find(quote, i + 1)
        out.append(spots)
    return out


def overlaps(source: str, start: int, end: int, spots: list[tuple[str, int, int]]) -> bool:
    return any(s == source and start < e and b < end for s, b, e in spots)


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def evaluate(assistant, items: list[dict], k: int = 5) -> EvalReport:
    """Ask every question and search for it; score against ``must_include`` and ``evidence``."""
    documents = assistant.documents
    rep = EvalReport(n=len(items))
    ask_ms, search_ms = [], []
    correct = refused_ok = false_refusals = 0
    cited = cited_ok = exact = 0
    quotes = quotes_hit = 0
    hit1 = hit5 = 0
    rr = 0.0
    for item in items:
        spots = locate(item["evidence"], documents)
        all_spots = [s for group in spots for s in group]
        t = time.perf_counter()
        ans = assistant.ask(item["question"])
        ask_ms.append((time.perf_counter() - t) * 1000)
        row = {"id": item["id"], "type": item.get("type", ""), "answerable": item["answerable"],
               "refused": ans.refused, "answer": ans.answer,
               "citations": [[c.source, c.start, c.end] for c in ans.citations]}
        for c in ans.citations:
            cited += 1
            cited_ok += overlaps(c.source, c.start, c.end, all_spots)
            exact += documents.get(c.source, "")[c.start:c.end] == c.text
        if item["answerable"]:
            rep.answerable += 1
            ok = not ans.refused and contains_all(ans.answer, item["must_include"])
            correct += ok
            false_refusals += ans.refused
            for group in spots:
                quotes += 1
                quotes_hit += any(overlaps(c.source, c.start, c.end, group) for c in ans.citations)
            t = time.perf_counter()
            passages = assistant.search(item["question"], max(k, 10))
            search_ms.append((time.perf_counter() - t) * 1000)
            rank = next((i + 1 for i, p in enumerate(passages) if overlaps(p.source, p.start, p.end, all_spots)), None)
            hit1 += rank == 1
            hit5 += rank is not None and rank <= 5
            rr += 1.0 / rank if rank else 0.0
            row.update(correct=ok, search_rank=rank)
        else:
            rep.unanswerable += 1
            refused_ok += ans.refused
            row.update(correct=ans.refused)
        rep.items.append(row)
        bucket = rep.by_type.setdefault(row["type"] or "all", {"n": 0, "correct": 0})
        bucket["n"] += 1
        bucket["correct"] += int(row["correct"])
    a = rep.answerable or 1
    rep.answer_accuracy = correct / a if rep.answerable else 0.0
    rep.false_refusal_rate = false_refusals / a if rep.answerable else 0.0
    rep.refusal_accuracy = refused_ok / rep.unanswerable if rep.unanswerable else 1.0
    rep.citation_precision = cited_ok / cited if cited else 1.0
    rep.citation_recall = quotes_hit / quotes if quotes else 1.0
    rep.citations_exact = exact / cited if cited else 1.0
    rep.hit_at_1, rep.hit_at_5, rep.mrr = hit1 / a, hit5 / a, rr / a
    rep.ask_ms_p50, rep.ask_ms_p95 = statistics.median(ask_ms), _pct(ask_ms, 0.95)
    if search_ms:
        rep.search_ms_p50, rep.search_ms_p95 = statistics.median(search_ms), _pct(search_ms, 0.95)
    return rep
