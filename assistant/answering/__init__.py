"""Answerers turn retrieved passages into a cited Answer. ``extractive`` is the default; a LangChain chat model
(``openai:<model>``, ``ollama:<model>``, ``llamacpp:<path>``, or a model object) writes answers that are verified."""
from __future__ import annotations

from typing import Any


def make_answerer(settings, retriever, chat_model: Any = None):
    from .extractive import ExtractiveAnswerer

    extractive = ExtractiveAnswerer(retriever, settings.answer)
    llm = settings.llm.strip()
    if chat_model is None and llm in ("", "extractive"):
        return extractive
    from .generative import GenerativeAnswerer

    if chat_model is None:
        from .llm import make_chat_model

        chat_model = make_chat_model(llm, settings.llm_base_url, settings.llm_temperature, settings.llm_max_tokens)
    name = llm if llm not in ("", "extractive") else type(chat_model).__name__
    return GenerativeAnswerer(extractive, chat_model, name)
