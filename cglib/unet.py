"""The conditional U-Net: maps ``(x_t, t, cond)`` to the network output (eps_hat or v_hat).

Paper: appendix A.3 and Fig. 12 -- a residual conv input block, two
down-sampling and two up-sampling stages with skip connections, 3x3 convs,
GELU, pooling, global self-attention at the low resolution, a time embedding,
and the concept-class tuple fed through an embedding layer.

How the condition enters is a config field (``ModelConfig.cond``):

* ``"up"``   -- the paper's way: the condition embedding modulates the
  up-sampling stages only (the down path sees the time embedding alone);
* ``"film"`` -- the condition modulates every residual block (FiLM: scale and
  shift after GroupNorm) in the down, middle and up paths.

and how it is embedded (``ModelConfig.cond_embed``): ``"per_variable"`` sums
one learned embedding per concept variable (each with its own null token for
classifier-free guidance), ``"mlp"`` feeds the one-hot tuple through an MLP
(an all-zero vector is the null condition, distinct from class ``000``).

The network knows nothing of the noise schedule (see ``diffusion.py``).
Used in: book/03_diffusion, book/04_emergence.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .config import ModelConfig

N_VALUES = 2  # every concept variable here is binary


def timestep_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal embedding of diffusion times ``t`` (B,) in [0, 1]; returns (B, dim)."""
    half = dim // 2
    freqs = torch.exp(-math.log(1000.0) * torch.arange(half, device=t.device) / half)
    args = t[:, None].float() * 1000.0 * freqs[None]
    return torch.cat([args.sin(), args.cos()], dim=1)


class ResBlock(nn.Module):
    """GroupNorm -> GELU -> 3x3 conv, FiLM from an embedding, GroupNorm -> GELU -> 3x3 conv, plus a skip."""

    def __init__(self, cin: int, cout: int, emb_dim: int):
        super().__init__()
        self.norm1, self.conv1 = nn.GroupNorm(8, cin), nn.Conv2d(cin, cout, 3, padding=1)
        self.norm2, self.conv2 = nn.GroupNorm(8, cout), nn.Conv2d(cout, cout, 3, padding=1)
        self.film = nn.Linear(emb_dim, 2 * cout)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, emb):  # x: (B, cin, H, W), emb: (B, emb_dim)
        h = self.conv1(F.gelu(self.norm1(x)))
        scale, shift = self.film(emb)[:, :, None, None].chunk(2, dim=1)
        h = self.norm2(h) * (1 + scale) + shift
        h = self.conv2(F.gelu(h))
        return h + self.skip(x)


class Attention(nn.Module):
    """Global single-head self-attention over all positions, with a residual."""

    def __init__(self, ch: int):
        super().__init__()
        self.norm, self.qkv, self.out = nn.GroupNorm(8, ch), nn.Conv2d(ch, 3 * ch, 1), nn.Conv2d(ch, ch, 1)

    def forward(self, x):  # (B, C, H, W)
        b, c, h, w = x.shape
        q, k, v = self.qkv(self.norm(x)).reshape(b, 3, c, h * w).transpose(-1, -2).unbind(1)  # (B, HW, C)
        y = F.scaled_dot_product_attention(q, k, v)
        return x + self.out(y.transpose(-1, -2).reshape(b, c, h, w))


class ConditionEmbedding(nn.Module):
    """Concept-class tuple (B, n) of value indices, with ``N_VALUES`` meaning "dropped", to (B, dim)."""

    def __init__(self, n_variables: int, dim: int, kind: str):
        super().__init__()
        self.kind, self.n = kind, n_variables
        if kind == "per_variable":
            self.tables = nn.ModuleList(nn.Embedding(N_VALUES + 1, dim) for _ in range(n_variables))
        else:
            self.mlp = nn.Sequential(nn.Linear(n_variables * N_VALUES, dim), nn.GELU(), nn.Linear(dim, dim))

    def forward(self, cond):  # (B, n) long
        if self.kind == "per_variable":
            return sum(tab(cond[:, j]) for j, tab in enumerate(self.tables))
        onehot = F.one_hot(cond.clamp(max=N_VALUES), N_VALUES + 1)[..., :N_VALUES]  # null -> all zeros
        return self.mlp(onehot.flatten(1).float())


class UNet(nn.Module):
    """Conditional U-Net, resolutions S -> S/2 -> S/4 -> S/2 -> S (S a multiple of 4)."""

    def __init__(self, cfg: ModelConfig, n_variables: int = 3):
        super().__init__()
        self.cfg = cfg
        w, e = cfg.width, 4 * cfg.width
        self.time = nn.Sequential(nn.Linear(w, e), nn.GELU(), nn.Linear(e, e))
        self.cond = ConditionEmbedding(n_variables, e, cfg.cond_embed)
        self.inp = nn.Conv2d(3, w, 3, padding=1)
        self.down0, self.down1 = ResBlock(w, w, e), ResBlock(w, 2 * w, e)
        self.mid0, self.mid1 = ResBlock(2 * w, 2 * w, e), ResBlock(2 * w, 2 * w, e)
        self.attn = Attention(2 * w) if cfg.attention else nn.Identity()
        self.up1, self.up0 = ResBlock(4 * w, 2 * w, e), ResBlock(3 * w, w, e)
        self.out = nn.Sequential(nn.GroupNorm(8, w), nn.GELU(), nn.Conv2d(w, 3, 3, padding=1))
        nn.init.zeros_(self.out[-1].weight)
        nn.init.zeros_(self.out[-1].bias)

    def forward(self, x_t, t, cond):
        """x_t: (B, 3, S, S); t: (B,) diffusion time in [0, 1]; cond: (B, n) long (2 = dropped)."""
        temb = self.time(timestep_embedding(t, self.cfg.width))  # (B, e)
        full = temb + self.cond(cond)
        down_emb = full if self.cfg.cond == "film" else temb  # "up": the condition enters the up path only
        h1 = self.down0(self.inp(x_t), down_emb)  # (B, w, S, S)
        h2 = self.down1(F.avg_pool2d(h1, 2), down_emb)  # (B, 2w, S/2, S/2)
        m = self.mid0(F.avg_pool2d(h2, 2), down_emb)  # (B, 2w, S/4, S/4)
        m = self.mid1(self.attn(m), full)
        u = self.up1(torch.cat([F.interpolate(m, scale_factor=2.0), h2], 1), full)  # (B, 2w, S/2, S/2)
        u = self.up0(torch.cat([F.interpolate(u, scale_factor=2.0), h1], 1), full)  # (B, w, S, S)
        return self.out(u)


def n_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
