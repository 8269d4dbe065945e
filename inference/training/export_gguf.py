"""Export a checkpoint + SentencePiece model to a llama.cpp-compatible GGUF (llama arch, MoE).

Q/K are exported unpermuted: our model already rotates adjacent pairs like llama.cpp's NORMAL
RoPE (llama.cpp's HF converter permutes only because HF uses the NeoX half split).
Norms and routers are F32; every other matrix is F16 (default) or Q8_0.
"""

import argparse
import sys

import numpy as np
import torch

import gguf
from model import ModelConfig, MoeLlama

FILE_TYPE = {"f16": 1, "q8_0": 7}  # llama_ftype MOSTLY_F16 / MOSTLY_Q8_0
MATRIX_TYPE = {"f16": gguf.GGML_F16, "q8_0": gguf.GGML_Q8_0}

# SentencePiece piece kinds -> GGUF token_type
TT_NORMAL, TT_UNKNOWN, TT_CONTROL, TT_USER, TT_UNUSED, TT_BYTE = 1, 2, 3, 4, 5, 6


def tokenizer_arrays(sp):
    tokens, scores, types = [], [], []
    for i in range(sp.get_piece_size()):
        tokens.append(sp.id_to_piece(i))
        scores.append(float(sp.get_score(i)))
        if sp.is_unknown(i):
            types.append(TT_UNKNOWN)
        elif sp.is_control(i):
            types.append(TT_CONTROL)
        elif sp.is_byte(i):
            types.append(TT_BYTE)
        elif sp.is_unused(i):
            types.append(TT_UNUSED)
        else:
            types.append(TT_NORMAL)
    return tokens, scores, types


def tensor_map(model):
    """(gguf name, numpy array in numpy order, is_matrix) for every weight."""
    sd = {k: v.detach().float().numpy() for k, v in model.state_dict().items()}
    out = [("token_embd.weight", sd["tok_emb.weight"], True),
           ("output_norm.weight", sd["norm.weight"], False),
           ("output.weight", sd["output.weight"], True)]
    for i in range(model.cfg.n_layers):
        p = f"layers.{i}."
        b = f"blk.{i}."
        out += [(b + "attn_norm.weight", sd[p + "attn_norm.weight"], False),
                (b + "attn_q.weight", sd[p + "attn.wq.weight"], True),
                (b + "attn_k.weight", sd[p + "attn.wk.weight"], True),
                (b + "attn_v.weight", sd[p + "attn.wv.weight"], True),
                (b + "attn_output.weight", sd[p + "attn.wo.weight"], True),
                (b + "ffn_norm.weight", sd[p + "ffn_norm.weight"], False),
                (b + "ffn_gate_inp.weight", sd[p + "ffn.router.weight"], False),
                (b + "ffn_gate_exps.weight", sd[p + "ffn.gate"], True),
                (b + "ffn_up_exps.weight", sd[p + "ffn.up"], True),
                (b + "ffn_down_exps.weight", sd[p + "ffn.down"], True)]
    return out


def export(model, sp, path, name="fabulist-default", qtype="f16", description=""):
    cfg = model.cfg
    w = gguf.GgufWriter()
    w.add_string("general.architecture", "llama")
    w.add_string("general.name", name)
    if description:
        w.add_string("general.description", description)
    w.add_u32("general.file_type", FILE_TYPE[qtype])
    w.add_u32("general.quantization_version", 2)
    w.add_u32("llama.context_length", cfg.context_length)
    w.add_u32("llama.embedding_length", cfg.dim)
    w.add_u32("llama.block_count", cfg.n_layers)
    w.add_u32("llama.feed_forward_length", cfg.expert_ffn)
    w.add_u32("llama.attention.head_count", cfg.n_heads)
    w.add_u32("llama.attention.head_count_kv", cfg.n_kv_heads)
    w.add_f32("llama.rope.freq_base", cfg.rope_base)
    w.add_f32("llama.attention.layer_norm_rms_epsilon", cfg.norm_eps)
    w.add_u32("llama.vocab_size", cfg.vocab_size)
    w.add_u32("llama.rope.dimension_count", cfg.head_dim)
    w.add_u32("llama.expert_count", cfg.n_experts)
    w.add_u32("llama.expert_used_count", cfg.n_experts_used)
    tokens, scores, types = tokenizer_arrays(sp)
    if len(tokens) != cfg.vocab_size:
        raise SystemExit(f"tokenizer has {len(tokens)} pieces, model vocab is {cfg.vocab_size}")
    w.add_string("tokenizer.ggml.model", "llama")
    w.add_array("tokenizer.ggml.tokens", gguf.STRING, tokens)
    w.add_array("tokenizer.ggml.scores", gguf.FLOAT32, scores)
    w.add_array("tokenizer.ggml.token_type", gguf.INT32, types)
    w.add_u32("tokenizer.ggml.bos_token_id", sp.bos_id())
    w.add_u32("tokenizer.ggml.eos_token_id", sp.eos_id())
    w.add_u32("tokenizer.ggml.unknown_token_id", sp.unk_id())
    w.add_bool("tokenizer.ggml.add_bos_token", True)
    w.add_bool("tokenizer.ggml.add_eos_token", False)
    w.add_bool("tokenizer.ggml.add_space_prefix", True)
    for tname, arr, is_matrix in tensor_map(model):
        w.add_tensor(tname, arr, MATRIX_TYPE[qtype] if is_matrix else gguf.GGML_F32)
    w.write(path)


def model_from_gguf(path):
    """Rebuilds a PyTorch model from a GGUF written by export() (dequantized to float32)."""
    r = gguf.GgufReader(path)
    kv = r.kv
    cfg = ModelConfig(vocab_size=kv["llama.vocab_size"], dim=kv["llama.embedding_length"],
                      n_layers=kv["llama.block_count"], n_heads=kv["llama.attention.head_count"],
                      n_kv_heads=kv["llama.attention.head_count_kv"],
                      n_experts=kv["llama.expert_count"],
                      n_experts_used=kv["llama.expert_used_count"],
                      expert_ffn=kv["llama.feed_forward_length"],
                      context_length=kv["llama.context_length"],
                      rope_base=kv["llama.rope.freq_base"],
                      norm_eps=kv["llama.attention.layer_norm_rms_epsilon"])
    model = MoeLlama(cfg)
    names = {"tok_emb.weight": "token_embd.weight", "norm.weight": "output_norm.weight",
             "output.weight": "output.weight"}
    for i in range(cfg.n_layers):
        p, b = f"layers.{i}.", f"blk.{i}."
        names.update({p + "attn_norm.weight": b + "attn_norm.weight",
                      p + "attn.wq.weight": b + "attn_q.weight",
                      p + "attn.wk.weight": b + "attn_k.weight",
                      p + "attn.wv.weight": b + "attn_v.weight",
                      p + "attn.wo.weight": b + "attn_output.weight",
                      p + "ffn_norm.weight": b + "ffn_norm.weight",
                      p + "ffn.router.weight": b + "ffn_gate_inp.weight",
                      p + "ffn.gate": b + "ffn_gate_exps.weight",
                      p + "ffn.up": b + "ffn_up_exps.weight",
                      p + "ffn.down": b + "ffn_down_exps.weight"})
    sd = model.state_dict()
    for k, g in names.items():
        arr = r.tensor(g)
        if tuple(arr.shape) != tuple(sd[k].shape):
            raise gguf.GgufError(f"{path}: {g} has shape {arr.shape}, expected {tuple(sd[k].shape)}")
        sd[k] = torch.from_numpy(np.ascontiguousarray(arr))
    model.load_state_dict(sd)
    model.eval()
    return model, r


def main(argv=None):
    import tokenizer
    from train import load_model
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--tokenizer", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--type", default="f16", choices=sorted(FILE_TYPE))
    ap.add_argument("--name", default="fabulist-default")
    args = ap.parse_args(argv)
    model, ck = load_model(args.checkpoint)
    sp = tokenizer.load(args.tokenizer)
    export(model, sp, args.out, args.name, args.type,
           "Fabulist's default fiction model; trained on public-domain novels "
           "(Austen, Melville); see MODEL_CARD.md")
    # Round trip: the file must parse and give the same logits as the checkpoint.
    back, _ = model_from_gguf(args.out)
    ids = torch.tensor([[1] + sp.encode("It is a truth universally acknowledged")])
    with torch.no_grad():
        a = model(ids)[0]
        b = back(ids)[0]
    diff = (a - b).abs().max().item()
    print(f"wrote {args.out}; round-trip max |dlogit| = {diff:.4g}")
    if diff > 0.5:
        sys.exit(f"{args.out}: exported weights do not reproduce the checkpoint's logits")


if __name__ == "__main__":
    main()
