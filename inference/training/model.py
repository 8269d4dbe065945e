"""A llama-architecture transformer with Mixtral-style experts, written to match llama.cpp.

The forward pass mirrors what llama.cpp computes for `general.architecture = llama` with
`expert_count > 0`, so the exported GGUF gives the same logits:
  * RMSNorm with eps inside the square root, weight multiplied after normalising;
  * RoPE in llama.cpp's NORMAL mode: adjacent pairs (2i, 2i+1) are rotated by pos * base^(-2i/d)
    (HF-llama uses the NeoX half split instead; we deliberately do not, so Q/K export unpermuted);
  * grouped-query attention, query head h reads KV head h // (n_head / n_head_kv);
  * MoE FFN: softmax over all experts, keep the top-k, renormalise their weights to sum to 1,
    output = sum_e w_e * down_e(silu(gate_e x) * up_e x);
  * untied output head after a final RMSNorm.
Works on torch 1.13 (Debian 12) and torch 2.x (Debian 13).
"""

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class ModelConfig:
    vocab_size: int = 4096
    dim: int = 256
    n_layers: int = 4
    n_heads: int = 4
    n_kv_heads: int = 2
    n_experts: int = 4
    n_experts_used: int = 2
    expert_ffn: int = 512
    context_length: int = 1024
    rope_base: float = 10000.0
    norm_eps: float = 1e-5
    dropout: float = 0.0

    @property
    def head_dim(self):
        return self.dim // self.n_heads

    def to_dict(self):
        return asdict(self)

    @staticmethod
    def from_dict(d):
        return ModelConfig(**d)


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        # Normalise in float32 even under bf16 autocast: the engine does this in f32 too.
        xf = x.float()
        xf = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + self.eps)
        return (xf * self.weight.float()).type_as(x)


def rope_tables(head_dim, length, base):
    """cos/sin of shape (length, head_dim/2): angle pos * base^(-2i/head_dim) for pair i."""
    inv = base ** (-torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim)
    ang = torch.arange(length, dtype=torch.float64)[:, None] * inv[None, :]
    return torch.cos(ang).float(), torch.sin(ang).float()


def apply_rope(x, cos, sin):
    """x: (B, T, H, D). Rotate the adjacent pairs (2i, 2i+1) (llama.cpp NORMAL mode)."""
    b, t, h, d = x.shape
    xf = x.float().reshape(b, t, h, d // 2, 2)
    x0, x1 = xf[..., 0], xf[..., 1]
    c = cos[:t][None, :, None, :]
    s = sin[:t][None, :, None, :]
    out = torch.stack((x0 * c - x1 * s, x0 * s + x1 * c), dim=-1)
    return out.reshape(b, t, h, d).type_as(x)


class Attention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        hd = cfg.head_dim
        self.wq = nn.Linear(cfg.dim, cfg.n_heads * hd, bias=False)
        self.wk = nn.Linear(cfg.dim, cfg.n_kv_heads * hd, bias=False)
        self.wv = nn.Linear(cfg.dim, cfg.n_kv_heads * hd, bias=False)
        self.wo = nn.Linear(cfg.n_heads * hd, cfg.dim, bias=False)
        self.drop = nn.Dropout(cfg.dropout)
        # Dropout on the attention probabilities. A training schedule may switch it off (see
        # train.py's cycles): at context 1024 on torch 1.13 its Bernoulli masks over the
        # (B, H, T, T) matrix took a sixth of a step's time.
        self.attn_dropout = cfg.dropout

    def forward(self, x, cos, sin):
        cfg = self.cfg
        b, t, _ = x.shape
        hd = cfg.head_dim
        q = apply_rope(self.wq(x).view(b, t, cfg.n_heads, hd), cos, sin)
        k = apply_rope(self.wk(x).view(b, t, cfg.n_kv_heads, hd), cos, sin)
        v = self.wv(x).view(b, t, cfg.n_kv_heads, hd)
        rep = cfg.n_heads // cfg.n_kv_heads
        # GQA: query head h reads KV head h // rep, which is what repeat_interleave gives.
        k = k.repeat_interleave(rep, dim=2)
        v = v.repeat_interleave(rep, dim=2)
        q, k, v = (z.transpose(1, 2) for z in (q, k, v))  # (B, H, T, D)
        if hasattr(F, "scaled_dot_product_attention"):
            y = F.scaled_dot_product_attention(
                q, k, v, is_causal=True, dropout_p=self.attn_dropout if self.training else 0.0)
        else:  # torch 1.13
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hd))
            mask = torch.ones(t, t, dtype=torch.bool, device=x.device).triu(1)
            att = att.masked_fill(mask, float("-inf"))
            att = F.softmax(att.float(), dim=-1).type_as(q)
            if self.attn_dropout > 0.0:
                att = F.dropout(att, self.attn_dropout, self.training)
            y = att @ v
        y = y.transpose(1, 2).reshape(b, t, cfg.n_heads * hd)
        return self.drop(self.wo(y))


class MoeFeedForward(nn.Module):
    """Experts stored as stacked tensors (E, out, in): exactly GGUF's [n_in, n_out, n_expert]."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        e, d, f = cfg.n_experts, cfg.dim, cfg.expert_ffn
        self.router = nn.Linear(d, e, bias=False)
        self.gate = nn.Parameter(torch.empty(e, f, d))
        self.up = nn.Parameter(torch.empty(e, f, d))
        self.down = nn.Parameter(torch.empty(e, d, f))
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, x):
        cfg = self.cfg
        shape = x.shape
        xs = x.reshape(-1, shape[-1])
        n = xs.shape[0]
        logits = self.router(xs).float()
        probs = F.softmax(logits, dim=-1)
        top_w, top_i = torch.topk(probs, cfg.n_experts_used, dim=-1)
        top_w = top_w / top_w.sum(dim=-1, keepdim=True)
        out = torch.zeros(n, shape[-1], dtype=torch.float32, device=x.device)
        for e in range(cfg.n_experts):
            rows, slot = torch.nonzero(top_i == e, as_tuple=True)
            if rows.numel() == 0:
                continue
            xe = xs[rows]
            h = F.silu(F.linear(xe, self.gate[e])) * F.linear(xe, self.up[e])
            ye = F.linear(h, self.down[e]).float()
            out.index_add_(0, rows, ye * top_w[rows, slot].unsqueeze(1))
        # Switch/Mixtral load-balancing loss: E * sum_e (fraction routed to e) * (mean prob of e).
        frac = F.one_hot(top_i, cfg.n_experts).float().sum(dim=(0, 1)) / (n * cfg.n_experts_used)
        aux = cfg.n_experts * torch.sum(frac * probs.mean(dim=0))
        return self.drop(out.type_as(x).reshape(shape)), aux


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.attn_norm = RMSNorm(cfg.dim, cfg.norm_eps)
        self.attn = Attention(cfg)
        self.ffn_norm = RMSNorm(cfg.dim, cfg.norm_eps)
        self.ffn = MoeFeedForward(cfg)

    def forward(self, x, cos, sin):
        x = x + self.attn(self.attn_norm(x), cos, sin)
        y, aux = self.ffn(self.ffn_norm(x))
        return x + y, aux


class MoeLlama(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.tok_emb = nn.Embedding(cfg.vocab_size, cfg.dim)
        self.drop = nn.Dropout(cfg.dropout)
        self.layers = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layers))
        self.norm = RMSNorm(cfg.dim, cfg.norm_eps)
        self.output = nn.Linear(cfg.dim, cfg.vocab_size, bias=False)
        cos, sin = rope_tables(cfg.head_dim, cfg.context_length, cfg.rope_base)
        self.register_buffer("rope_cos", cos, persistent=False)
        self.register_buffer("rope_sin", sin, persistent=False)
        self.reset_parameters()

    def reset_parameters(self):
        # GPT-2 style: small normal init, residual-branch outputs scaled down by depth.
        std = 0.02
        resid_std = std / math.sqrt(2 * self.cfg.n_layers)
        for name, p in self.named_parameters():
            if p.dim() < 2:
                continue
            if name.endswith("wo.weight") or name.endswith("ffn.down"):
                nn.init.normal_(p, 0.0, resid_std)
            else:
                nn.init.normal_(p, 0.0, std)

    def forward(self, ids, return_hidden=False):
        t = ids.shape[1]
        if t > self.cfg.context_length:
            raise ValueError(f"sequence of {t} tokens exceeds context {self.cfg.context_length}")
        x = self.drop(self.tok_emb(ids))
        aux_total = 0.0
        for layer in self.layers:
            x, aux = layer(x, self.rope_cos, self.rope_sin)
            aux_total = aux_total + aux
        h = self.norm(x)
        logits = self.output(h)
        aux_mean = aux_total / len(self.layers)
        if return_hidden:
            return logits, aux_mean, h
        return logits, aux_mean

    def param_counts(self):
        cfg = self.cfg
        total = sum(p.numel() for p in self.parameters())
        per_expert = 3 * cfg.dim * cfg.expert_ffn
        inactive = cfg.n_layers * (cfg.n_experts - cfg.n_experts_used) * per_expert
        return total, total - inactive
