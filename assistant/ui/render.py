"""HTML/markdown for the web chat: answers with clickable [n], the sources list, the highlighted document.
Pure functions over Answer objects, so they are tested without a browser."""
from __future__ import annotations

import html
import re

from ..types import Answer

WINDOW = 1500  # characters of context shown around the cited spans of a large document


def answer_markdown(answer: Answer, turn: int) -> str:
    """The answer for the chat: quoted text escaped (no links, images or HTML from documents or models), each
    citation marker the answerer placed a link that shows that citation of this turn."""
    if answer.refused:
        return f"{escape_md(answer.answer)}\n\n*No sources: the documents don't answer this.*"
    if not answer.segments:
        return escape_md(answer.answer)
    parts = []
    for text, numbers, supported in answer.segments:
        links = "".join(f"[[{n}]](#cite-{turn}-{n})" for n in numbers)
        flag = " ⚠️ *unverified: its source doesn't clearly support it*" if supported is False else ""
        parts.append(f"{escape_md(text)}{' ' + links if links else ''}{flag}")
    text = " ".join(parts)
    if answer.answerer != "extractive":
        text += f"\n\n<sub>answered by {html.escape(answer.answerer)}; every sentence checked against its source</sub>"
    return text


def escape_md(text: str) -> str:
    """Show text literally in markdown: no emphasis, links, images, code or HTML."""
    text = html.escape(text, quote=False)
    return re.sub(r"([\\`*_{}\[\]()<>#|~!])", r"\\\1", text)


def sources_html(answer: Answer | None, active: int | None = None, headings: dict[str, str] | None = None) -> str:
    if answer is None:
        return "<div class='sources-empty'>Ask a question: the passages an answer cites appear here.</div>"
    if answer.refused or not answer.citations:
        return ("<div class='sources-empty refused'>No sources — the documents don't answer this question, so "
                "nothing is cited.</div>")
    rows = []
    for c in answer.citations:
        cls = "source active" if c.n == active else "source"
        quote = html.escape(" ".join(c.text.split()))
        rows.append(f"<div class='{cls}' data-n='{c.n}'><b>[{c.n}]</b> <code>{html.escape(c.source)}</code> "
                    f"<span class='offsets'>{c.start}–{c.end}</span> <span class='score'>score {c.score:.2f}</span>"
                    f"<div class='heading'>{html.escape((headings or {}).get(c.passage_id, ''))}</div>"
                    f"<blockquote>{quote}</blockquote></div>")
    return "<div class='sources'>" + "".join(rows) + "</div>"


def document_html(answer: Answer | None, documents: dict[str, str], active: int | None = None) -> str:
    """The cited document(s), every cited span marked; the ``active`` one gets id 'active-cite' to scroll to."""
    if answer is None or not answer.citations:
        return "<div class='doc-empty'>The cited document appears here, with the quoted span highlighted.</div>"
    active = active or answer.citations[0].n
    parts = []
    by_source: dict[str, list] = {}
    for c in answer.citations:
        by_source.setdefault(c.source, []).append(c)
    for source, cites in by_source.items():
        text = documents.get(source, "")
        cites = sorted(cites, key=lambda c: c.start)
        lo = max(0, cites[0].start - WINDOW)
        hi = min(len(text), cites[-1].end + WINDOW)
        out, pos = [], lo
        for c in cites:
            if c.start < pos:  # overlapping citations: mark the part not yet shown
                start = pos
            else:
                out.append(html.escape(text[pos:c.start]))
                start = c.start
            if c.end <= start:
                continue
            ident = " id='active-cite'" if c.n == active else ""
            cls = "cite active" if c.n == active else "cite"
            out.append(f"<mark class='{cls}' data-n='{c.n}'{ident}><sup>[{c.n}]</sup>"
                       f"{html.escape(text[start:c.end])}</mark>")
            pos = c.end
        out.append(html.escape(text[pos:hi]))
        head = "… " if lo > 0 else ""
        tail = " …" if hi < len(text) else ""
        parts.append(f"<div class='doc'><div class='doc-title'>{html.escape(source)}</div>"
                     f"<div class='doc-text'>{head}{''.join(out)}{tail}</div></div>")
    return "<div class='doc-scroll'>" + "".join(parts) + "</div>"
