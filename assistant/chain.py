"""The LCEL chain the Assistant runs: condense (follow-ups) -> retrieve -> answer."""
from __future__ import annotations

from typing import Any


def build_chain(answerer: Any):
    """``chain.invoke({"question": str, "history": [(q, a), ...]}) -> Answer``."""
    from langchain_core.runnables import RunnableLambda

    def condense(x: dict) -> dict:
        asked, context = answerer.condense(x["question"], x.get("history"))
        return {**x, "asked": asked, "context": context}

    def retrieve(x: dict) -> dict:
        return {**x, "retrieved": answerer.retrieve(x["asked"], x["context"])}

    def answer(x: dict):
        return answerer.answer(x["question"], x["retrieved"], asked=x["asked"])

    return (RunnableLambda(condense, name="condense") | RunnableLambda(retrieve, name="retrieve")
            | RunnableLambda(answer, name="answer"))


def build_retriever(assistant: Any, k: int):
    """A LangChain ``BaseRetriever`` over ``assistant.search`` (Documents carry the passage JSON as metadata)."""
    from langchain_core.documents import Document
    from langchain_core.retrievers import BaseRetriever

    class PassageRetriever(BaseRetriever):
        k: int = 5

        def _get_relevant_documents(self, query: str, *, run_manager=None) -> list[Document]:
            return [Document(page_content=p.text, metadata=p.to_json(rank=i + 1))
                    for i, p in enumerate(assistant.search(query, self.k))]

    return PassageRetriever(k=k)
