"""Checks this recipe's PyTorch model against llama.cpp on the shared reference MoE model.

Loads <reference>/models/tiny-moe-f32.gguf (llama arch, 8 experts, random weights) through
export_gguf.model_from_gguf and compares the last-position logits with those llama.cpp produced
(tiny-moe-f32.json). A match proves the model code's RoPE mode, GQA mapping, expert routing and
GGUF tensor layout are the ones llama.cpp uses, so the exported default model means the same.
"""

import json
import os
import sys

import torch

from export_gguf import model_from_gguf


def main():
    ref = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("FABULIST_REFERENCE_DIR", "")
    js = os.path.join(ref, "tiny-moe-f32.json")
    gg = os.path.join(ref, "models", "tiny-moe-f32.gguf")
    if not (os.path.exists(js) and os.path.exists(gg)):
        sys.exit(f"reference files not found under '{ref}' (set FABULIST_REFERENCE_DIR)")
    model, _ = model_from_gguf(gg)
    doc = json.load(open(js))
    worst = 0.0
    for entry in doc["logits_last_position"]:
        ids = torch.tensor([entry["prompt_ids"]])
        with torch.no_grad():
            logits, _, hidden = model(ids, return_hidden=True)
        want = torch.tensor(entry["logits"])
        diff = (logits[0, -1] - want).abs().max().item()
        hdiff = (hidden[0, -1] - torch.tensor(entry["last_hidden_after_output_norm"])).abs().max()
        worst = max(worst, diff)
        print(f"{len(entry['prompt_ids'])} tokens: max |dlogit| {diff:.3g}, "
              f"max |dhidden| {hdiff.item():.3g}")
        if diff > 1e-3 or int(torch.argmax(logits[0, -1])) != int(torch.argmax(want)):
            sys.exit("FAIL: PyTorch model disagrees with llama.cpp on tiny-moe-f32")
    print(f"OK: matches llama.cpp within {worst:.3g}")


if __name__ == "__main__":
    main()
