"""Reference data for the C++ engine's tests, produced only by PyTorch and sentencepiece.

logits.json: for each fixed prompt, the sentencepiece ids (BOS first, as the engine adds it),
the full logit vector at the last position, the final hidden state there, and the top-10 ids and
logits at every position. The model is the one rebuilt from the shipped GGUF (weights
dequantized to float32) and run in float32, so it is what an engine should compute from the file.
tokenization.json: ~20 held-out validation passages and their sentencepiece ids (no BOS).
"""

import hashlib
import json
import os
import shutil

import torch

from corpus import read_chapters

PROMPTS = [
    "It is a truth universally acknowledged, that a single man in possession of a good fortune,",
    "\"Call me Captain,\" said the stranger, and he looked out over the grey sea. The",
]


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@torch.no_grad()
def write_logits(model, sp, out_dir, model_file_sha):
    entries = []
    for text in PROMPTS:
        ids = [sp.bos_id()] + sp.encode(text)
        logits, _, hidden = model(torch.tensor([ids]), return_hidden=True)
        logits = logits[0].float()
        top_v, top_i = torch.topk(logits, 10, dim=-1)
        entries.append({
            "text": text, "prompt_ids": ids,
            "logits_last_position": [float(f"{v:.7g}") for v in logits[-1].tolist()],
            "hidden_last_position": [float(f"{v:.7g}") for v in hidden[0, -1].tolist()],
            "top10_per_position": [{"ids": i.tolist(),
                                    "logits": [float(f"{v:.7g}") for v in v_.tolist()]}
                                   for i, v_ in zip(top_i, top_v)],
        })
    doc = {"model_file": "resources/models/fabulist-default.gguf", "model_sha256": model_file_sha,
           "computed_by": "PyTorch float32 forward pass of the weights read back from the GGUF "
                          "(F16 dequantized), no KV cache; ids from sentencepiece with BOS=1 "
                          "prepended",
           "tolerance_hint": "float32 engine: ~1e-3 absolute on logits; argmax identical",
           "prompts": entries}
    with open(os.path.join(out_dir, "logits.json"), "w") as f:
        json.dump(doc, f)


def write_tokenization(sp, valid_path, out_dir, n=20):
    chapters = read_chapters(valid_path)
    passages = []
    # Deterministic picks spread over the held-out chapters: the k-th paragraph of each.
    for ci, ch in enumerate(chapters):
        paras = [p for p in ch.split("\n") if p.strip()]
        if not paras:
            continue
        p = paras[(ci * 7) % len(paras)]
        if len(p) > 600:
            p = p[:600].rsplit(" ", 1)[0]
        passages.append(p)
        if len(passages) >= n - 2:
            break
    # Two multi-paragraph passages, so that newlines (byte fallback) are covered too.
    for ch in chapters[:2]:
        passages.append("\n".join(ch.split("\n")[:3])[:900])
    doc = {"tokenizer": "sentencepiece BPE, tokenizer.model shipped as "
                        "tests/fixtures/default-model/tokenizer.model",
           "note": "ids are sp.encode(text): no BOS; the engine adds BOS=1 when add_bos_token",
           "passages": [{"text": t, "ids": sp.encode(t),
                         "pieces": sp.encode(t, out_type=str)} for t in passages]}
    with open(os.path.join(out_dir, "tokenization.json"), "w") as f:
        json.dump(doc, f, ensure_ascii=False, indent=0)


def write_all(model, sp, tokenizer_model, valid_path, out_dir, model_file):
    os.makedirs(out_dir, exist_ok=True)
    model_sha = sha256(model_file)
    write_logits(model, sp, out_dir, model_sha)
    write_tokenization(sp, valid_path, out_dir)
    shutil.copy(valid_path, os.path.join(out_dir, "valid.txt"))
    shutil.copy(tokenizer_model, os.path.join(out_dir, "tokenizer.model"))
    with open(os.path.join(out_dir, "SHA256SUMS"), "w") as f:
        for name in ["valid.txt", "tokenizer.model", "logits.json", "tokenization.json"]:
            f.write(f"{sha256(os.path.join(out_dir, name))}  {name}\n")
