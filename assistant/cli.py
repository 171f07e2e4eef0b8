"""``assistant`` command line: thin over the Assistant object (the same one the UI and Python users get)."""
from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from typing import Sequence

from .errors import AssistantError

EXAMPLES = """examples:
  assistant index                 build or update the index (only new/changed files are embedded)
  assistant index status          what is indexed, and whether it is up to date
  assistant ask "Who is Iran's foreign minister?" --json
  assistant search "sanctions" --k 3
  assistant chat                  a conversation in the terminal
  assistant eval ../shared/eval/dev.jsonl --json report.json
  assistant serve                 the web chat on http://127.0.0.1:7860
settings: any Settings field by env (ASSISTANT_RETRIEVAL__K=8) or flag (--set retrieval.k=8)."""


class OneLineParser(argparse.ArgumentParser):
    """Usage mistakes get one line and exit code 2, like every other user error."""

    def error(self, message: str):
        self.exit(2, f"error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    p = OneLineParser(prog="assistant", description="Answers questions from your documents, with exact "
                                "citations.", epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--source-dir", help="folder of .md/.txt documents (default: source_docs)")
    p.add_argument("--index-dir", help="folder for the index (default: index)")
    p.add_argument("--llm", help="answerer: extractive (default) | openai:<model> | ollama:<model> | llamacpp:<path>")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a setting, e.g. retrieval.k=8 or answer.min_support=0.4 (repeatable)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)

    ix = sub.add_parser("index", help="build/update the index, or show its status")
    ix.add_argument("action", nargs="?", choices=["status"], help="status: show what is indexed")
    ix.add_argument("--rebuild", action="store_true", help="re-embed everything")
    ix.add_argument("--json", action="store_true", help="print the report as JSON")

    ask = sub.add_parser("ask", help="answer one question")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print one JSON object")

    se = sub.add_parser("search", help="show the passages retrieved for a query")
    se.add_argument("query")
    se.add_argument("--k", type=int, default=None, help="how many passages (1-100, default 5)")
    se.add_argument("--json", action="store_true", help="print a JSON list")

    sub.add_parser("chat", help="chat in the terminal (follow-up questions understood)")

    ev = sub.add_parser("eval", help="score answers, citations and retrieval on a JSONL question set")
    ev.add_argument("file")
    ev.add_argument("--json", dest="json_out", metavar="OUT", help="also write the full report to OUT")

    sv = sub.add_parser("serve", help="start the web chat")
    sv.add_argument("--host", default=None, help="address to bind (default 127.0.0.1)")
    sv.add_argument("--port", type=int, default=None)
    return p


def make_assistant(args):
    from .assistant import Assistant
    from .settings import Settings

    settings = Settings()
    for item in args.overrides:
        settings = apply_override(settings, item)
    return Assistant(settings, source_dir=args.source_dir, index_dir=args.index_dir, llm=args.llm)


def apply_override(settings, item: str):
    """``section.key=value`` -> a validated copy of ``settings``."""
    from pydantic import ValidationError

    from .settings import Settings

    key, sep, value = item.partition("=")
    if not sep or not key:
        raise AssistantError(f"--set wants KEY=VALUE, got {item!r}")
    data = settings.model_dump()
    node, parts = data, key.strip().split(".")
    for part in parts[:-1]:
        if not isinstance(node.get(part), dict):
            raise AssistantError(f"unknown setting {key!r}")
        node = node[part]
    if parts[-1] not in node:
        raise AssistantError(f"unknown setting {key!r}")
    node[parts[-1]] = value
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise AssistantError(f"bad value for {key}: {err['msg']}") from None


def plain(text: str) -> str:
    """Document text for a terminal: control characters (escape sequences) removed."""
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")


def print_answer(answer, stream=sys.stdout) -> None:
    print(plain(answer.answer), file=stream)
    if answer.answerer != "extractive":
        print(f"(answered by {answer.answerer}; sentences marked (unverified) are not supported by their source)",
              file=stream)
    if answer.citations:
        print("\nSources:", file=stream)
        for c in answer.citations:
            quote = plain(" ".join(c.text.split()))
            quote = quote if len(quote) <= 160 else quote[:157] + "..."
            print(f"  [{c.n}] {c.source}:{c.start}-{c.end}  “{quote}”", file=stream)


def cmd_index(a, args) -> int:
    if args.action == "status":
        st = a.status()
        if args.json:
            print(json.dumps(st, indent=1))
            return 0
        if not st["exists"]:
            print(f"no index in {st['index_dir']}/ yet; {len(st['pending'])} document(s) to index: run `assistant index`")
            return 0
        counts = st.get("counts") or {}
        print(f"index: {st['index_dir']}/  built {st.get('built_at')}  embedder {st['embedder']['name']} "
              f"({st['embedder']['dim']}-d)")
        print(f"{counts.get('files', 0)} document(s), {counts.get('passages', 0)} passages, "
              f"{counts.get('sentences', 0)} sentences")
        for d in st["documents"]:
            print(f"  {d['source']}  ({d['passages']} passages)")
        print(f"up to date" if not st["stale"] else f"stale: {st['reason']} — run `assistant index`")
        for w in st.get("warnings", []):
            print(f"warning: {w}", file=sys.stderr)
        return 0
    progress = None
    if not args.json and sys.stderr.isatty():
        def progress(fraction: float, message: str) -> None:
            print(f"\r[{'#' * int(fraction * 30):<30}] {message:<40}", end="", file=sys.stderr, flush=True)
    report = a.build_index(rebuild=args.rebuild, progress=progress)
    if progress:
        print(file=sys.stderr)
    for w in report.skipped:
        print(f"warning: {w}", file=sys.stderr)
    if args.json:
        print(json.dumps(report.to_json(), indent=1))
        return 0
    print(report.summary())
    return 0


def cmd_ask(a, args) -> int:
    answer = a.ask(args.question)
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False, indent=1))
    else:
        print_answer(answer)
    return 0


def cmd_search(a, args) -> int:
    passages = a.search(args.query, args.k)
    if args.json:
        print(json.dumps([p.to_json(rank=i + 1) for i, p in enumerate(passages)], ensure_ascii=False, indent=1))
        return 0
    for i, p in enumerate(passages, 1):
        text = plain(" ".join(p.text.split()))
        print(f"{i}. {p.source}:{p.start}-{p.end}  score {p.score:.3f}  [{plain(p.heading) or '—'}]\n   {text[:300]}")
    return 0


def cmd_chat(a, args) -> int:
    print("Ask about the documents. Empty line or /quit to leave, /clear to forget the conversation.")
    a.load()
    history: list[tuple[str, str]] = []
    while True:
        try:
            question = input("\nyou> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if question in ("", "/quit", "/exit"):
            return 0
        if question == "/clear":
            history.clear()
            print("(conversation cleared)")
            continue
        try:
            print("assistant> ", end="", flush=True)
            final, streamed = None, ""
            for event in a.stream(question, history):
                print(plain(event.text), end="", flush=True)
                streamed += event.text
                final = event.answer or final
            print()
            if final is not None and final.answer != streamed:  # a model's text, as checked and renumbered
                print(f"checked answer> {plain(final.answer)}")
            if final is not None:
                if final.citations:
                    print_answer(type(final)(question=final.question, answer="", citations=final.citations))
                history.append((question, final.answer))
        except AssistantError as exc:
            print(f"\nerror: {exc}")


def cmd_eval(a, args) -> int:
    from .evaluation import evaluate, load_items

    items = load_items(args.file)
    a.load()
    report = evaluate(a, items)
    for line in report.summary_lines():
        print(line)
    for t, b in sorted(report.by_type.items()):
        print(f"  {t:<14} {b['correct']}/{b['n']}")
    if args.json_out:
        try:
            with open(args.json_out, "w", encoding="utf-8") as fh:
                json.dump(report.to_json(), fh, ensure_ascii=False, indent=1)
        except OSError as exc:
            raise AssistantError(f"cannot write {args.json_out}: {exc.strerror or exc}") from None
        print(f"report written to {args.json_out}")
    return 0


def cmd_serve(a, args) -> int:
    from .ui import serve

    return serve(a, host=args.host, port=args.port)


COMMANDS = {"index": cmd_index, "ask": cmd_ask, "search": cmd_search, "chat": cmd_chat, "eval": cmd_eval,
            "serve": cmd_serve}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 0
    try:
        return COMMANDS[args.command](make_assistant(args), args) or 0
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug, not a user error: still one line, with where to look
        from pydantic import ValidationError

        if isinstance(exc, ValidationError):
            err = exc.errors()[0]
            print(f"error: bad setting {'.'.join(map(str, err['loc']))}: {err['msg']}", file=sys.stderr)
            return 2
        print(f"error: unexpected {type(exc).__name__}: {exc} (set ASSISTANT_DEBUG=1 for a traceback)",
              file=sys.stderr)
        import os

        if os.environ.get("ASSISTANT_DEBUG"):
            raise
        return 1


if __name__ == "__main__":
    sys.exit(main())
