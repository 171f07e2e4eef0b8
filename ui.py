"""The web chat over the default Assistant (source_docs/ and index/ here; ASSISTANT_* settings apply).

    python ui.py          # or: assistant serve [--host H] [--port P]
"""
from assistant import Assistant
from assistant.ui import build_app, serve

assistant = Assistant()
demo = build_app(assistant)  # a Gradio Blocks app; the index is built on the first question if missing

if __name__ == "__main__":
    raise SystemExit(serve(assistant, demo=demo))
