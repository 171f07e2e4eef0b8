"""The web chat. ``build_app(assistant)`` returns the Gradio Blocks; ``serve`` launches it."""
from .app import build_app, launch_kwargs, serve

__all__ = ["build_app", "launch_kwargs", "serve"]
