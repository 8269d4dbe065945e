"""Re-reads a GGUF written by the recipe and checks what llama.cpp needs from a llama MoE file.

Exit status 0 when the header, every required key, every tensor's name/shape/type and (with
--checkpoint) the logits of the model rebuilt from the file agree with the checkpoint.
"""

import argparse
import sys

import gguf

REQUIRED_KV = {
    "general.architecture": str, "general.name": str, "general.file_type": int,
    "llama.context_length": int, "llama.embedding_length": int, "llama.block_count": int,
    "llama.feed_forward_length": int, "llama.attention.head_count": int,
    "llama.attention.head_count_kv": int, "llama.rope.freq_base": float,
    "llama.attention.layer_norm_rms_epsilon": float, "llama.rope.dimension_count": int,
    "llama.expert_count": int, "llama.expert_used_count": int, "llama.vocab_size": int,
    "tokenizer.ggml.model": str, "tokenizer.ggml.tokens": list, "tokenizer.ggml.scores": list,
    "tokenizer.ggml.token_type": list, "tokenizer.ggml.bos_token_id": int,
    "tokenizer.ggml.eos_token_id": int, "tokenizer.ggml.unknown_token_id": int,
    "tokenizer.ggml.add_bos_token": bool, "tokenizer.ggml.add_eos_token": bool,
    "tokenizer.ggml.add_space_prefix": bool,
}


def check(path):
    r = gguf.GgufReader(path)
    errors = []
    for k, t in REQUIRED_KV.items():
        if k not in r.kv:
            errors.append(f"missing key {k}")
        elif not isinstance(r.kv[k], t):
            errors.append(f"key {k} has type {type(r.kv[k]).__name__}, expected {t.__name__}")
    if errors:
        return r, errors
    kv = r.kv
    d, L, V = kv["llama.embedding_length"], kv["llama.block_count"], kv["llama.vocab_size"]
    nh, nkv = kv["llama.attention.head_count"], kv["llama.attention.head_count_kv"]
    E, F = kv["llama.expert_count"], kv["llama.feed_forward_length"]
    hd = d // nh
    if kv["general.architecture"] != "llama" or kv["tokenizer.ggml.model"] != "llama":
        errors.append("architecture and tokenizer model must both be 'llama'")
    if kv["llama.rope.dimension_count"] != hd:
        errors.append("rope.dimension_count must equal the head size")
    for k in ("tokenizer.ggml.tokens", "tokenizer.ggml.scores", "tokenizer.ggml.token_type"):
        if len(kv[k]) != V:
            errors.append(f"{k} has {len(kv[k])} entries, vocab is {V}")
    tt = kv["tokenizer.ggml.token_type"]
    if (tt[0], tt[1], tt[2]) != (2, 3, 3) or tt.count(6) != 256:
        errors.append("token types: expected unk=2, bos/eos=3 and 256 byte tokens (6)")
    if (kv["tokenizer.ggml.bos_token_id"], kv["tokenizer.ggml.eos_token_id"],
            kv["tokenizer.ggml.unknown_token_id"]) != (1, 2, 0):
        errors.append("special ids must be bos=1 eos=2 unk=0")
    want = {"token_embd.weight": [d, V], "output_norm.weight": [d], "output.weight": [d, V]}
    for i in range(L):
        b = f"blk.{i}."
        want.update({b + "attn_norm.weight": [d], b + "ffn_norm.weight": [d],
                     b + "attn_q.weight": [d, nh * hd], b + "attn_k.weight": [d, nkv * hd],
                     b + "attn_v.weight": [d, nkv * hd], b + "attn_output.weight": [nh * hd, d],
                     b + "ffn_gate_inp.weight": [d, E], b + "ffn_gate_exps.weight": [d, F, E],
                     b + "ffn_up_exps.weight": [d, F, E], b + "ffn_down_exps.weight": [F, d, E]})
    if set(want) != set(r.tensors):
        errors.append(f"tensor names differ: missing {sorted(set(want) - set(r.tensors))}, "
                      f"extra {sorted(set(r.tensors) - set(want))}")
    for name, ne in want.items():
        if name not in r.tensors:
            continue
        got_ne, gtype = r.tensors[name][0], r.tensors[name][1]
        if got_ne != ne:
            errors.append(f"{name}: ne {got_ne}, expected {ne}")
        must_f32 = len(ne) == 1 or name.endswith("ffn_gate_inp.weight")
        if must_f32 and gtype != gguf.GGML_F32:
            errors.append(f"{name} must be F32")
    return r, errors


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("gguf")
    ap.add_argument("--checkpoint", help="also compare logits with this checkpoint")
    args = ap.parse_args()
    try:
        r, errors = check(args.gguf)
    except gguf.GgufError as e:
        sys.exit(f"FAIL: {e}")
    if not errors and args.checkpoint:
        import torch
        from export_gguf import model_from_gguf
        from train import load_model
        ref, _ = load_model(args.checkpoint)
        back, _ = model_from_gguf(args.gguf)
        ids = torch.arange(1, min(ref.cfg.vocab_size, 40))[None]
        with torch.no_grad():
            diff = (ref(ids)[0] - back(ids)[0]).abs().max().item()
        print(f"logits: checkpoint vs GGUF max |d| = {diff:.3g}")
        if diff > 0.05 * max(1.0, ref(ids)[0].abs().max().item()):
            errors.append(f"GGUF logits differ from the checkpoint by {diff}")
    if errors:
        print("\n".join("FAIL: " + e for e in errors))
        sys.exit(1)
    print(f"OK: {args.gguf}: GGUF v{r.version}, {len(r.kv)} keys, {len(r.tensors)} tensors")


if __name__ == "__main__":
    main()
