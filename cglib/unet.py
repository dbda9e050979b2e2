"""The conditional U-Net: maps ``(x_t, t, cond)`` to the network output (eps_hat or v_hat).

Paper: appendix A.3 and Fig. 12 -- a residual conv input block, two
down-sampling and two up-sampling stages with skip connections, 3x3 convs,
GELU, pooling, global self-attention at the low resolution, a time embedding,
and the concept-class tuple fed through an embedding layer.

The condition ``cond`` is a float tensor (B, n): one *value coordinate* per
concept variable (``concepts.py``): 0 and 1 are the two concept values, a drawn
colour or size lies near them (``ModelConfig.cond_values = "drawn"``), a value
past 1 pushes the concept further ("overprompting"), and NaN drops the
variable (the null condition of classifier-free guidance).

How the condition is embedded (``ModelConfig.cond_embed``):

* ``"per_variable"``     -- one learned vector per value of each variable, summed
  (a coordinate c interpolates: (1 - c) e_0 + c e_1; NaN takes a null vector);
* ``"mlp"``              -- the tuple as a one-hot vector ``[1 - c, c]`` per variable
  (all zeros when dropped) through one MLP;
* ``"per_variable_mlp"`` -- the official code's ``EmbedFC``: one small network
  (Linear, GELU, Linear) per variable on its own one-hot input, outputs summed;

(The corner search also tried a joint MLP beside per-variable tables and variables split over resolutions;
they are retired: ``git show 51d9354:cglib/unet.py``, and the appendix shows what they did.)

and where it enters (``ModelConfig.cond``):

* ``"film"``     -- every residual block (FiLM: scale and shift after GroupNorm);
* ``"up"``       -- FiLM in the middle and up-sampling blocks only; the down path
  sees the time embedding alone;
* ``"multiply"`` -- what the paper's published code does (phys-ai/concept_graphs,
  ``ContextUnet``): the summed per-variable embeddings *multiply* the features
  entering each up-sampling stage, ``h = cemb * h + temb``.

The paper's text (A.3) says the embedding is "concatenated with the image feature maps at each
stage of the up-sampling blocks"; its code multiplies.  In every commit of that code up to
2024-02-07 the per-variable networks sat in a plain Python list, so the optimiser never saw them:
they stayed at their random initialisation.  ``ModelConfig.cond_frozen = True`` reproduces that.

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


# Under bf16 autocast (``TrainConfig.precision="bf16"``) the convolutions and linear layers run in bf16, but
# GroupNorm and GELU would too, and on a CPU those kernels are about twice as slow in bf16 as in fp32
# (measured on 2026-12-02, AVX-512-BF16): so every norm takes its input in fp32 (``x.float()``, a no-op in an
# fp32 run, whose arithmetic is unchanged).


class ResBlock(nn.Module):
    """GroupNorm -> GELU -> 3x3 conv, FiLM from an embedding, GroupNorm -> GELU -> 3x3 conv, plus a skip."""

    def __init__(self, cin: int, cout: int, emb_dim: int):
        super().__init__()
        self.norm1, self.conv1 = nn.GroupNorm(8, cin), nn.Conv2d(cin, cout, 3, padding=1)
        self.norm2, self.conv2 = nn.GroupNorm(8, cout), nn.Conv2d(cout, cout, 3, padding=1)
        self.film = nn.Linear(emb_dim, 2 * cout)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, emb):  # x: (B, cin, H, W), emb: (B, emb_dim)
        h = self.conv1(F.gelu(self.norm1(x.float())))  # norms and GELU in fp32 (see above)
        scale, shift = self.film(emb)[:, :, None, None].chunk(2, dim=1)
        h = self.norm2(h.float()) * (1 + scale) + shift
        h = self.conv2(F.gelu(h))
        return h + self.skip(x)


class Attention(nn.Module):
    """Global single-head self-attention over all positions, with a residual."""

    def __init__(self, ch: int):
        super().__init__()
        self.norm, self.qkv, self.out = nn.GroupNorm(8, ch), nn.Conv2d(ch, 3 * ch, 1), nn.Conv2d(ch, ch, 1)

    def forward(self, x):  # (B, C, H, W)
        b, c, h, w = x.shape
        q, k, v = self.qkv(self.norm(x.float())).reshape(b, 3, c, h * w).transpose(-1, -2).unbind(1)  # (B, HW, C)
        y = F.scaled_dot_product_attention(q, k, v)
        return x + self.out(y.transpose(-1, -2).reshape(b, c, h, w))


def onehot(cond: torch.Tensor) -> torch.Tensor:
    """Value coordinates (B, n) to one-hot pairs ``[1 - c, c]`` (B, n, 2); a dropped (NaN) variable is ``[0, 0]``."""
    dropped = torch.isnan(cond)
    c = torch.where(dropped, torch.zeros_like(cond), cond).float()
    pair = torch.stack([1 - c, c], dim=-1)
    return pair.masked_fill(dropped[..., None], 0.0)


def official_dims(cfg: ModelConfig) -> tuple | None:
    """The input widths of the paper's code's condition (``official.INPUT_DIMS``) when ``cfg`` asks for its
    inputs (``cond_values="official"``), else None (value coordinates)."""
    if cfg.cond_values != "official":
        return None
    from .official import INPUT_DIMS
    return INPUT_DIMS


class ConditionEmbedding(nn.Module):
    """Value coordinates (B, n) of the concept variables, NaN meaning "dropped", to (B, dim).  With
    ``in_dims`` (``"per_variable_mlp"`` only) the condition is already each variable's input, side by side
    (the paper's code's one-hot shape, RGB colour and size: ``official.INPUT_DIMS``)."""

    def __init__(self, n_variables: int, dim: int, kind: str, in_dims: tuple | None = None):
        super().__init__()
        self.kind, self.n, self.in_dims = kind, n_variables, in_dims
        if in_dims and kind != "per_variable_mlp":
            raise ValueError(f"condition inputs of widths {in_dims} need cond_embed='per_variable_mlp', not {kind!r}")
        #: the variables with a table: every one for "per_variable"
        self.tabled = range(n_variables) if kind == "per_variable" else []
        if self.tabled:
            self.tables = nn.ModuleList(nn.Embedding(N_VALUES + 1, dim) for _ in self.tabled)
        if kind == "mlp":
            self.mlp = nn.Sequential(nn.Linear(n_variables * N_VALUES, dim), nn.GELU(), nn.Linear(dim, dim))
        if kind == "per_variable_mlp":  # per_variable_mlp: the official EmbedFC, one per variable
            self.nets = nn.ModuleList(nn.Sequential(nn.Linear(k, dim), nn.GELU(), nn.Linear(dim, dim))
                                      for k in (in_dims or (N_VALUES,) * n_variables))

    def forward(self, cond):  # (B, n) float value coordinates, or (B, sum(in_dims)) inputs
        if self.in_dims:
            return sum(net(x) for net, x in zip(self.nets, cond.float().split(list(self.in_dims), 1)))
        pairs = onehot(cond)  # (B, n, 2)
        if self.kind == "per_variable_mlp":
            return sum(net(pairs[:, j]) for j, net in enumerate(self.nets))
        out = self.mlp(pairs.flatten(1)) if self.kind == "mlp" else 0
        if self.tabled:
            for j, tab in zip(self.tabled, self.tables):
                w = tab.weight  # (3, dim): value 0, value 1, null
                null = torch.isnan(cond[:, j])[:, None]
                e = pairs[:, j, :1] * w[0] + pairs[:, j, 1:] * w[1]
                out = out + torch.where(null, w[2].expand_as(e), e)
        return out


class UNet(nn.Module):
    """Conditional U-Net, resolutions S -> S/2 -> S/4 -> S/2 -> S (S a multiple of 4)."""

    def __init__(self, cfg: ModelConfig, n_variables: int = 3):
        super().__init__()
        self.cfg = cfg
        w, e = cfg.width, 4 * cfg.width
        self.time = nn.Sequential(nn.Linear(w, e), nn.GELU(), nn.Linear(e, e))
        if cfg.cond == "multiply":  # one embedding per up stage, sized to its features (as ContextUnet)
            self.cond1 = ConditionEmbedding(n_variables, 2 * w, cfg.cond_embed, official_dims(cfg))
            self.cond0 = ConditionEmbedding(n_variables, 2 * w, cfg.cond_embed, official_dims(cfg))
            self.time1, self.time0 = nn.Linear(e, 2 * w), nn.Linear(e, 2 * w)
        else:
            self.cond = ConditionEmbedding(n_variables, e, cfg.cond_embed, official_dims(cfg))
        self.inp = nn.Conv2d(3, w, 3, padding=1)
        self.down0, self.down1 = ResBlock(w, w, e), ResBlock(w, 2 * w, e)
        self.mid0, self.mid1 = ResBlock(2 * w, 2 * w, e), ResBlock(2 * w, 2 * w, e)
        self.attn = Attention(2 * w) if cfg.attention else nn.Identity()
        self.up1, self.up0 = ResBlock(4 * w, 2 * w, e), ResBlock(3 * w, w, e)
        self.out = nn.Sequential(nn.GroupNorm(8, w), nn.GELU(), nn.Conv2d(w, 3, 3, padding=1))
        nn.init.zeros_(self.out[-1].weight)
        nn.init.zeros_(self.out[-1].bias)
        if cfg.cond_frozen:  # as the published code ran: condition networks at their random initialisation
            for p in self.condition_parameters():
                p.requires_grad_(False)

    def condition_parameters(self):
        """The parameters of the condition embedding(s)."""
        mods = (self.cond1, self.cond0) if self.cfg.cond == "multiply" else (self.cond,)
        return [p for m in mods for p in m.parameters()]

    def forward(self, x_t, t, cond):
        """x_t: (B, 3, S, S); t: (B,) diffusion time in [0, 1]; cond: (B, n) value coordinates (NaN = dropped)."""
        temb = self.time(timestep_embedding(t, self.cfg.width))  # (B, e)
        emb = temb if self.cfg.cond == "multiply" else temb + self.cond(cond)  # time plus condition
        down = emb if self.cfg.cond == "film" else temb  # "up": the condition enters the mid and up blocks only
        h1 = self.down0(self.inp(x_t), down)  # (B, w, S, S)
        h2 = self.down1(F.avg_pool2d(h1, 2), down)  # (B, 2w, S/2, S/2)
        m = self.mid0(F.avg_pool2d(h2, 2), down)  # (B, 2w, S/4, S/4)
        m = self.mid1(self.attn(m), emb)
        if self.cfg.cond == "multiply":  # ContextUnet: up = cemb * up + temb before each up stage
            m = self.cond1(cond)[:, :, None, None] * m + self.time1(temb)[:, :, None, None]
        u = self.up1(torch.cat([F.interpolate(m, scale_factor=2.0), h2], 1), emb)  # (B, 2w, S/2, S/2)
        if self.cfg.cond == "multiply":
            u = self.cond0(cond)[:, :, None, None] * u + self.time0(temb)[:, :, None, None]
        u = self.up0(torch.cat([F.interpolate(u, scale_factor=2.0), h1], 1), emb)  # (B, w, S, S)
        return self.out(u.float())


def n_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
