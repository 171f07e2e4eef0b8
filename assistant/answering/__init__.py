"""Answerers turn retrieved passages into a cited Answer. ``extractive`` is the default."""
from __future__ import annotations

from ..errors import AssistantError


def make_answerer(settings, retriever):
    llm = settings.llm.strip()
    if llm in ("", "extractive"):
        from .extractive import ExtractiveAnswerer

        return ExtractiveAnswerer(retriever, settings.answer)
    raise AssistantError(f"unknown answerer {llm!r}; use 'extractive'")
