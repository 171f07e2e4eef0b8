"""LangChain chat models from one setting: openai:<model> | ollama:<model> | llamacpp:<path.gguf>.
Imported only when chosen; none is a default dependency (pip install '.[llm]' or '.[llamacpp]')."""
from __future__ import annotations

import os

from ..errors import AssistantError


def make_chat_model(spec: str, base_url: str = "", temperature: float = 0.0, max_tokens: int = 512):
    kind, _, name = spec.partition(":")
    if not name:
        raise AssistantError(f"--llm {spec!r}: use openai:<model>, ollama:<model> or llamacpp:<path.gguf>")
    if kind == "openai":
        try:
            from langchain_openai import ChatOpenAI
        except ImportError:
            raise AssistantError("openai answerer needs langchain-openai: pip install '.[llm]'") from None
        return ChatOpenAI(model=name, base_url=base_url or None, temperature=temperature, max_tokens=max_tokens,
                          api_key=os.environ.get("OPENAI_API_KEY") or "not-needed", streaming=True, max_retries=1,
                          timeout=120)
    if kind == "ollama":
        try:
            from langchain_ollama import ChatOllama
        except ImportError:
            raise AssistantError("ollama answerer needs langchain-ollama: pip install '.[llm]'") from None
        kwargs = {"base_url": base_url} if base_url else {}
        return ChatOllama(model=name, temperature=temperature, num_predict=max_tokens, **kwargs)
    if kind == "llamacpp":
        if not os.path.isfile(name):
            raise AssistantError(f"llamacpp model file not found: {name}")
        try:
            from langchain_community.chat_models import ChatLlamaCpp
        except ImportError:
            raise AssistantError("llamacpp answerer needs llama-cpp-python: pip install '.[llamacpp]' "
                                 "(it compiles for ~15 min)") from None
        try:
            return ChatLlamaCpp(model_path=name, temperature=temperature, max_tokens=max_tokens, n_ctx=4096,
                                verbose=False)
        except ImportError:
            raise AssistantError("llamacpp answerer needs llama-cpp-python: pip install '.[llamacpp]'") from None
    raise AssistantError(f"unknown answerer {spec!r}: use extractive, openai:<model>, ollama:<model> or "
                         "llamacpp:<path.gguf>")
