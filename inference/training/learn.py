"""Fine-tunes a Fabulist GGUF model on a writer's book: `fabulist-cli learn` runs this.

Input is token ids the C++ side already made with the model's own tokenizer (uint16, little
endian, chapters ended by EOS): the book, a replay sample of the recipe's training split (mixed in
so the model does not forget how to write) and the recipe's validation split (base perplexity).
The model's weights come from the GGUF (export_gguf.model_from_gguf); the result is written with
the same GGUF writer and the base file's vocabulary.

Progress goes to stdout as JSON lines ({"event": "progress", ...}); the last line is
{"event": "done", ...} with the perplexities before and after.

Resumable: the state (weights, optimizer, step, the perplexities before) is saved to
WORK/learn.pt every --checkpoint-every steps and when SIGTERM or SIGINT arrives; the same command
resumes from it. The output GGUF is written to a temporary name and renamed, so it is either
whole or absent. Batches come from an RNG seeded by (seed, step): a resumed run equals an
uninterrupted one.
"""

import argparse
import hashlib
import json
import math
import os
import signal
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

import gguf
from export_gguf import model_from_gguf, tensor_map
from train import BOS, evaluate, make_optimizer

STATE_VERSION = 1
_stop = {"signal": 0}


def _request_stop(signum, _frame):
    _stop["signal"] = signum


def load_tokens(path):
    data = np.fromfile(path, dtype="<u2")
    if data.size == 0:
        sys.exit(f"{path}: no tokens")
    return data


def file_sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def get_batch(book, replay, replay_share, ctx, batch, seed, step):
    """Windows of ctx tokens starting with BOS; each from the replay sample with probability
    replay_share, else from the book. A text shorter than a window is used whole (padded by
    repeating it)."""
    rng = np.random.default_rng([seed, step])
    x = np.empty((batch, ctx), dtype=np.int64)
    y = np.empty((batch, ctx), dtype=np.int64)
    for i in range(batch):
        data = replay if rng.random() < replay_share else book
        if len(data) <= ctx:
            data = np.tile(data, ctx // len(data) + 2)
        s = int(rng.integers(0, len(data) - ctx))
        x[i, 0] = BOS
        x[i, 1:] = data[s:s + ctx - 1]
        y[i] = data[s:s + ctx]
    return torch.from_numpy(x), torch.from_numpy(y)


def lr_at(step, steps, peak, warmup):
    """Linear warmup, then cosine decay to 10 % of the peak."""
    if step < warmup:
        return peak * (step + 1) / warmup
    t = (step - warmup) / max(1, steps - warmup)
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, t))))


def perplexity(model, data, ctx, max_tokens):
    windows = max(1, max_tokens // ctx) if max_tokens else 0
    nll, count = evaluate(model, data, ctx, windows)
    return math.exp(nll), count


def write_gguf(model, base, path, name, description):
    """The model's weights with the base file's metadata and vocabulary; F16 matrices."""
    w = gguf.GgufWriter()
    arrays = {"tokenizer.ggml.tokens": gguf.STRING, "tokenizer.ggml.scores": gguf.FLOAT32,
              "tokenizer.ggml.token_type": gguf.INT32}
    for key, value in base.kv.items():
        if key in ("general.name", "general.description"):
            continue
        if key == "general.file_type":
            w.add_u32(key, 1)  # MOSTLY_F16, whatever the base was
            continue
        if key in arrays:
            w.add_array(key, arrays[key], value)
        elif isinstance(value, bool):
            w.add_bool(key, value)
        elif isinstance(value, str):
            w.add_string(key, value)
        elif isinstance(value, float):
            w.add_f32(key, value)
        elif isinstance(value, int):
            w.add_u32(key, value)
        else:
            sys.exit(f"base model metadata {key} has a type this writer does not copy")
        if key == "general.architecture":
            w.add_string("general.name", name)
            w.add_string("general.description", description)
    for tname, arr, is_matrix in tensor_map(model):
        w.add_tensor(tname, arr, gguf.GGML_F16 if is_matrix else gguf.GGML_F32)
    tmp = path + ".tmp"
    w.write(tmp)
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)


def save_state(path, state):
    tmp = path + ".tmp"
    torch.save(state, tmp)
    os.replace(tmp, path)  # a kill mid-write never leaves a broken checkpoint


def emit(record):
    print(json.dumps(record), flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base", required=True, help="the GGUF to start from")
    ap.add_argument("--book", required=True, help="the book's token ids (uint16)")
    ap.add_argument("--replay", required=True, help="replay sample token ids (uint16)")
    ap.add_argument("--valid", required=True, help="base validation token ids (uint16)")
    ap.add_argument("--work", required=True, help="folder for the resumable state")
    ap.add_argument("--out", required=True, help="the GGUF to write")
    ap.add_argument("--steps", type=int, default=0, help="0: about four passes over the book")
    ap.add_argument("--max-steps", type=int, default=600)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--ctx", type=int, default=256)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--replay-share", type=float, default=0.5)
    ap.add_argument("--eval-tokens", type=int, default=32768,
                    help="tokens of each text scored for the perplexities (0: all)")
    ap.add_argument("--checkpoint-every", type=int, default=25)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--name", default="fabulist-learned")
    ap.add_argument("--description", default="")
    args = ap.parse_args(argv)

    signal.signal(signal.SIGTERM, _request_stop)
    signal.signal(signal.SIGINT, _request_stop)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    book, replay, valid = (load_tokens(p) for p in (args.book, args.replay, args.valid))
    steps = args.steps or min(args.max_steps,
                              max(20, math.ceil(4 * len(book) / (args.batch * args.ctx))))
    os.makedirs(args.work, exist_ok=True)
    state_path = os.path.join(args.work, "learn.pt")
    # The state belongs to exactly this base, these texts and this schedule.
    identity = {"version": STATE_VERSION, "base": file_sha256(args.base),
                "book": file_sha256(args.book), "replay": file_sha256(args.replay),
                "steps": steps, "batch": args.batch, "ctx": args.ctx, "lr": args.lr,
                "replay_share": args.replay_share, "seed": args.seed}

    model, base = model_from_gguf(args.base)
    opt = make_optimizer(model, {"weight_decay": 0.0, "lr": args.lr})
    step, before = 0, None
    if os.path.exists(state_path):
        st = torch.load(state_path, map_location="cpu")
        if st.get("identity") == identity:
            model.load_state_dict(st["model"])
            opt.load_state_dict(st["opt"])
            step, before = st["step"], st["before"]
            emit({"event": "resumed", "step": step, "steps": steps})
        else:
            emit({"event": "fresh", "why": "the saved state is for other inputs"})
    if before is None:
        book_ppl, book_n = perplexity(model, book, args.ctx, args.eval_tokens)
        valid_ppl, valid_n = perplexity(model, valid, args.ctx, args.eval_tokens)
        before = {"book": book_ppl, "valid": valid_ppl, "book_tokens_scored": book_n,
                  "valid_tokens_scored": valid_n}
        emit({"event": "before", **before})

    def state():
        return {"identity": identity, "model": model.state_dict(), "opt": opt.state_dict(),
                "step": step, "before": before}

    model.train()
    for module in model.modules():
        if isinstance(module, torch.nn.Dropout):
            module.p = 0.1  # some regularisation: a book is small
    for layer in model.layers:
        layer.attn.attn_dropout = 0.0
    t_start, start_step = time.time(), step
    warmup = max(1, min(20, steps // 10))
    while step < steps:
        if _stop["signal"]:
            save_state(state_path, state())
            emit({"event": "stopped", "step": step, "steps": steps})
            return 130
        lr = lr_at(step, steps, args.lr, warmup)
        for g in opt.param_groups:
            g["lr"] = lr
        x, y = get_batch(book, replay, args.replay_share, args.ctx, args.batch, args.seed, step)
        logits, aux = model(x)
        ce = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), y.reshape(-1))
        loss = ce + 0.01 * aux.float()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        elapsed = time.time() - t_start
        per_step = elapsed / (step - start_step)
        emit({"event": "progress", "step": step, "steps": steps, "loss": round(ce.item(), 4),
              "tokens_per_s": round(args.batch * args.ctx / per_step, 1),
              "eta_s": round(per_step * (steps - step), 1)})
        if step % args.checkpoint_every == 0 and step < steps:
            save_state(state_path, state())

    model.eval()
    book_ppl, _ = perplexity(model, book, args.ctx, args.eval_tokens)
    valid_ppl, _ = perplexity(model, valid, args.ctx, args.eval_tokens)
    after = {"book": book_ppl, "valid": valid_ppl}
    write_gguf(model, base, args.out, args.name, args.description)
    save_state(state_path, state())  # a rerun after a crash past this point skips training
    emit({"event": "done", "steps": steps, "before": before, "after": after,
          "train_tokens": steps * args.batch * args.ctx, "out": args.out})
    return 0


if __name__ == "__main__":
    sys.exit(main())
