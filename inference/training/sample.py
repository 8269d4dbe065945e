"""Sampling from the PyTorch model with the app's default sampler settings.

Chain (llama.cpp order): repetition penalty over the last `penalty_last_n` tokens (positive
logits divided by the penalty, negative ones multiplied), temperature, top-p (nucleus), draw.
No KV cache: the context is re-run each step, which is plenty fast for a 9 M model.
"""

import torch

DEFAULTS = dict(temperature=0.8, top_p=0.95, repeat_penalty=1.1, penalty_last_n=64)


def apply_repeat_penalty(logits, recent, penalty):
    if penalty == 1.0 or not recent:
        return logits
    idx = torch.tensor(sorted(set(recent)), dtype=torch.long)
    vals = logits[idx]
    logits[idx] = torch.where(vals > 0, vals / penalty, vals * penalty)
    return logits


@torch.no_grad()
def generate(model, prompt_ids, n_tokens, seed, temperature=0.8, top_p=0.95,
             repeat_penalty=1.1, penalty_last_n=64, eos_id=2):
    g = torch.Generator().manual_seed(seed)
    ids = list(prompt_ids)
    out = []
    ctx = model.cfg.context_length
    for _ in range(n_tokens):
        x = torch.tensor([ids[-ctx:]])
        logits = model(x)[0][0, -1].float().clone()
        logits = apply_repeat_penalty(logits, ids[-penalty_last_n:], repeat_penalty)
        if temperature <= 0:
            nxt = int(torch.argmax(logits))
        else:
            probs = torch.softmax(logits / temperature, dim=-1)
            sp, si = torch.sort(probs, descending=True)
            keep = torch.cumsum(sp, 0) - sp < top_p  # smallest prefix with mass >= top_p
            sp = sp * keep
            nxt = int(si[torch.multinomial(sp / sp.sum(), 1, generator=g)])
        if nxt == eos_id:
            break
        ids.append(nxt)
        out.append(nxt)
    return out


def longest_repeat(ids, n=8):
    """Count of repeated n-grams: 0 means no n-token span occurs twice (no loop)."""
    seen, rep = set(), 0
    for i in range(len(ids) - n + 1):
        t = tuple(ids[i:i + n])
        if t in seen:
            rep += 1
        seen.add(t)
    return rep
