"""The web chat: a Gradio Blocks app over one Assistant (the same object the CLI and Python API use)."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from ..errors import AssistantError
from ..uploads import UploadError, save_upload
from .render import answer_markdown, document_html, escape_md, sources_html

EXAMPLES = [
    "Who is Iran's foreign minister?",
    "Why have Moscow and Tehran had to find creative ways to sustain their economies?",
    "What weapons is Iran alleged to have supplied to Russia?",
    "What did Araghchi say Iran is evolving into?",
    "How did Putin describe Pezeshkian's visit, and what does the conclusion say the visit shows?",
]

CSS = """
.doc-scroll { max-height: 520px; overflow-y: auto; border: 1px solid var(--border-color-primary);
              border-radius: 8px; padding: 10px; }
.doc-title { font-weight: 600; margin-bottom: 6px; font-family: var(--font-mono); font-size: 0.9em; }
.doc-text { white-space: pre-wrap; line-height: 1.5; font-size: 0.92em; }
mark.cite { background: #fff3b0; color: inherit; border-radius: 3px; padding: 0 1px; }
mark.cite.active { background: #ffd54f; outline: 2px solid #f59e0b; }
mark.cite sup { color: #b45309; font-weight: 700; margin-right: 2px; }
.sources { display: flex; flex-direction: column; gap: 8px; max-height: 300px; overflow-y: auto; }
.source { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 6px 8px; font-size: 0.9em; }
.source.active { border-color: #f59e0b; box-shadow: 0 0 0 1px #f59e0b; }
.source blockquote { margin: 4px 0 0 0; padding-left: 8px; border-left: 3px solid #f59e0b; }
.source .offsets, .source .score, .source .heading { color: var(--body-text-color-subdued); font-size: 0.85em; }
.sources-empty.refused { color: #b91c1c; font-weight: 600; }
.offscreen { position: absolute !important; left: -10000px; top: 0; width: 1px; height: 1px; overflow: hidden; }
#chat a[href^="#cite-"] { font-weight: 700; text-decoration: none; cursor: pointer; }
"""

# [n] links in answers ask the server to show citation n of that turn (via a hidden textbox), then scroll to it.
JS = """
() => {
  document.addEventListener('click', (event) => {
    const link = event.target.closest && event.target.closest('a');
    if (!link) return;
    const m = (link.getAttribute('href') || '').match(/#cite-(\\d+)-(\\d+)$/);
    if (!m) return;
    event.preventDefault();
    event.stopPropagation();
    const box = document.querySelector('#cite-request textarea, #cite-request input');
    if (!box) return;
    box.value = m[1] + ':' + m[2] + ':' + Date.now();
    box.dispatchEvent(new Event('input', {bubbles: true}));
  }, true);
}
"""

SCROLL_JS = """
() => { setTimeout(() => {
  const el = document.querySelector('#doc-panel #active-cite');
  if (el) el.scrollIntoView({block: 'center', behavior: 'instant'});
}, 50); }
"""


def new_session() -> dict:
    return {"history": [], "answers": []}


def build_app(assistant) -> Any:
    """Build (not launch) the Blocks app. Per browser session: the conversation and its answers (gr.State)."""
    import gradio as gr

    settings = assistant.settings
    extensions = settings.chunking.extensions

    def documents_table() -> str:
        rows = assistant.status().get("documents", [])
        if not rows:
            return "*No documents indexed yet.*"
        return "| document | passages |\n|---|---|\n" + "\n".join(
            f"| {escape_md(d['source'])} | {d['passages']} |" for d in rows)

    def index_summary() -> str:
        st = assistant.status()
        if not st["exists"]:
            return "No index yet."
        c = st.get("counts") or {}
        state = "up to date" if not st["stale"] else f"**stale**: {st['reason']}"
        return (f"**{c.get('files', 0)}** document(s), **{c.get('passages', 0)}** passages · built "
                f"{st.get('built_at')} · {st['embedder']['name']} · {state}")

    def respond(question: str, chat: list, session: dict):
        chat = list(chat or [])
        session = session or new_session()
        question = (question or "").strip()
        if not question:
            yield chat, "", session, gr.skip(), gr.skip()
            return
        try:
            checked = assistant.check_question(question)
        except AssistantError as exc:
            chat += [{"role": "user", "content": question[:500]},
                     {"role": "assistant", "content": f"⚠️ {exc}"}]
            yield chat, "", session, gr.skip(), gr.skip()
            return
        chat += [{"role": "user", "content": question}, {"role": "assistant", "content": "…"}]
        yield chat, "", session, gr.skip(), gr.skip()
        text, final = "", None
        try:
            for event in assistant.stream(checked, session["history"]):
                if event.answer is not None:
                    final = event.answer
                    continue
                text += event.text
                chat[-1] = {"role": "assistant", "content": escape_md(text)}
                yield chat, "", session, gr.skip(), gr.skip()
        except AssistantError as exc:
            chat[-1] = {"role": "assistant", "content": f"⚠️ {exc}"}
            yield chat, "", session, gr.skip(), gr.skip()
            return
        turn = len(session["answers"])
        session = {"history": session["history"] + [(question, final.answer)],
                   "answers": session["answers"] + [final]}
        chat[-1] = {"role": "assistant", "content": answer_markdown(final, turn)}
        first = final.citations[0].n if final.citations else None
        yield (chat, "", session, sources_html(final, first, assistant.headings()),
               document_html(final, assistant.documents, first))

    def show_citation(request: str, session: dict):
        try:
            turn, n = (int(x) for x in (request or "").split(":")[:2])
            answer = (session or new_session())["answers"][turn]
        except (ValueError, IndexError):
            return gr.skip(), gr.skip()
        return sources_html(answer, n, assistant.headings()), document_html(answer, assistant.documents, n)

    def clear():
        return [], "", new_session(), sources_html(None), document_html(None, {})

    def add_documents(files, progress=gr.Progress()):
        saved, problems = [], []
        for f in files or []:
            path = Path(f if isinstance(f, str) else getattr(f, "name", ""))
            try:
                data = path.read_bytes()
                saved.append(save_upload(settings.source_dir, path.name, data, extensions,
                                         settings.server.max_upload_bytes))
            except UploadError as exc:
                problems.append(str(exc))
            except OSError as exc:
                problems.append(f"{path.name}: could not be read ({exc.strerror or exc})")
        lines = [f"❌ {escape_md(p)}" for p in problems]
        if saved:
            lines += [f"✅ saved {escape_md(s.name)} ({s.bytes} bytes{', replaced' if s.replaced else ''})"
                      for s in saved]
            lines.append(index_report(False, progress))
        elif not problems:
            lines.append("Choose one or more .md or .txt files first.")
        return "\n\n".join(lines), documents_table(), index_summary()

    def index_report(rebuild: bool, progress) -> str:
        try:
            report = assistant.build_index(rebuild=rebuild,
                                           progress=lambda f, msg: progress(f, desc=msg))
        except AssistantError as exc:
            return f"❌ indexing failed: {escape_md(str(exc))}"
        return escape_md(report.summary()) + "".join(f"\n\n⚠️ {escape_md(w)}" for w in report.skipped)

    def rebuild(progress=gr.Progress()):
        return index_report(True, progress), documents_table(), index_summary()

    def api_ask(question: str) -> dict:
        """Answer one question; returns the object `assistant ask --json` prints."""
        try:
            return assistant.ask(question).to_json()
        except AssistantError as exc:
            raise gr.Error(str(exc)) from None

    with gr.Blocks(title="Cited answers from your documents") as demo:
        session = gr.State(new_session())
        gr.Markdown("## Ask your documents\nEvery answer quotes the documents verbatim and cites them. "
                    "Click a **[n]** to see the exact passage highlighted.")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat-tab"):
                with gr.Row():
                    with gr.Column(scale=3):
                        chat = gr.Chatbot(height=460, elem_id="chat", label="Conversation", feedback_options=None)
                        with gr.Row():
                            box = gr.Textbox(placeholder="Ask about the documents…", show_label=False, scale=6,
                                             elem_id="question", lines=1, max_lines=4)
                            ask_btn = gr.Button("Ask", variant="primary", scale=1, elem_id="ask-btn")
                        clear_btn = gr.Button("Clear chat", size="sm", elem_id="clear-btn")
                        gr.Examples(EXAMPLES, inputs=box, label="Examples")
                    with gr.Column(scale=2):
                        gr.Markdown("### Sources")
                        sources = gr.HTML(sources_html(None), elem_id="sources-panel")
                        gr.Markdown("### Document")
                        doc = gr.HTML(document_html(None, {}), elem_id="doc-panel")
            with gr.Tab("Documents", id="docs-tab"):
                summary = gr.Markdown(index_summary, elem_id="index-summary")
                table = gr.Markdown(documents_table, elem_id="documents-table")
                files = gr.File(file_count="multiple", file_types=list(extensions), label="Add .md / .txt documents",
                                elem_id="upload")
                with gr.Row():
                    add_btn = gr.Button("Add and index", variant="primary", elem_id="add-btn")
                    rebuild_btn = gr.Button("Rebuild index", elem_id="rebuild-btn")
                log = gr.Markdown(elem_id="index-log")
        cite_request = gr.Textbox(elem_id="cite-request", elem_classes=["offscreen"], show_label=False,
                                  container=False)

        outputs = [chat, box, session, sources, doc]
        box.submit(respond, [box, chat, session], outputs, api_visibility="private").then(None, js=SCROLL_JS)
        ask_btn.click(respond, [box, chat, session], outputs, api_visibility="private").then(None, js=SCROLL_JS)
        clear_btn.click(clear, None, outputs, api_visibility="private")
        cite_request.change(show_citation, [cite_request, session], [sources, doc],
                           api_visibility="private").then(None, js=SCROLL_JS)
        add_btn.click(add_documents, [files], [log, table, summary], api_visibility="private")
        rebuild_btn.click(rebuild, None, [log, table, summary], api_visibility="private")
        gr.api(api_ask, api_name="ask")
    demo.queue(default_concurrency_limit=settings.server.concurrency)
    return demo


def parse_auth(value: str) -> list[tuple[str, str]] | None:
    """'user:password', or a file with one such line per user."""
    value = value.strip()
    if not value:
        return None
    lines = [value]
    if ":" not in value or Path(value).is_file():
        try:
            lines = Path(value).read_text("utf-8").splitlines()
        except OSError as exc:
            raise AssistantError(f"ASSISTANT_UI_AUTH: cannot read {value} ({exc.strerror or exc})") from None
    pairs = [tuple(line.strip().split(":", 1)) for line in lines if line.strip() and not line.startswith("#")]
    if not pairs or any(len(p) != 2 or not p[0] or not p[1] for p in pairs):
        raise AssistantError("ASSISTANT_UI_AUTH must be 'user:password' or a file of such lines")
    return [(u, p) for u, p in pairs]


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def is_loopback(host: str) -> bool:
    return host in LOOPBACK or host.startswith("127.")


def launch_kwargs(settings, host: str | None = None, port: int | None = None) -> dict:
    import gradio as gr

    host = host or settings.server.host
    if not is_loopback(host):
        print(f"warning: serving on {host}: anyone who can reach this machine can use the chat"
              + ("" if settings.ui_auth else " (set ASSISTANT_UI_AUTH to require a login)"), file=sys.stderr)
    theme = gr.themes.Default(font=["ui-sans-serif", "system-ui", "sans-serif"],
                              font_mono=["ui-monospace", "SFMono-Regular", "monospace"])
    return dict(server_name=host, server_port=port or settings.server.port, auth=parse_auth(settings.ui_auth),
                max_file_size=settings.server.max_upload_bytes, css=CSS, js=JS, theme=theme,
                footer_links=["api"], show_error=True)


def serve(assistant, host: str | None = None, port: int | None = None, demo: Any = None) -> int:
    """Load the index, then serve until interrupted. Beyond loopback only with an explicit ``host``."""
    if host is None and not is_loopback(assistant.settings.server.host):
        raise AssistantError(f"refusing to serve on {assistant.settings.server.host} from a setting alone; pass "
                             f"--host {assistant.settings.server.host} to open the chat to other machines")
    kwargs = launch_kwargs(assistant.settings, host, port)
    assistant.load()
    demo = demo or build_app(assistant)
    print(f"serving the chat on http://{kwargs['server_name']}:{kwargs['server_port']}", file=sys.stderr)
    demo.launch(**kwargs)
    return 0
