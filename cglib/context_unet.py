"""The network the paper's code trained: ``ContextUnet`` (phys-ai/concept_graphs, ``train.py``, 2023),
written here from its description, as an option beside this library's U-Net (``ModelConfig.arch``).

Its shape, at ``n_feat`` channels (``ModelConfig.width``; the paper's code used 256, about 26M parameters):

* ``init_conv``: a residual block of two (3x3 conv, BatchNorm, GELU), the residual sum divided by 1.414;
* ``down1``, ``down2``: a residual block (``n_feat``, then ``2 n_feat``) and a 2x2 max-pool each (28 -> 7);
* ``to_vec``: an average pool over the whole 7x7 map and GELU: **one vector per image, with no location**;
* ``up0``: a transposed conv back to 7x7, GroupNorm(8), ReLU;
* ``up1``, ``up2``: each concatenates the skip, upsamples by a 2x2 transposed conv and applies two residual
  blocks, after ``h = cemb * h + temb`` (the condition *multiplies*, time is added);
* ``out``: concatenated with ``init_conv``'s output, 3x3 conv, GroupNorm(8), ReLU, 3x3 conv to the image.

Time enters only at the two up stages, as ``t / T`` through ``EmbedFC`` (Linear, GELU, Linear).  The condition
is one ``EmbedFC`` per concept variable and up stage, outputs summed (``unet.ConditionEmbedding`` with
``"per_variable_mlp"``); with ``cond_frozen`` they stay at their random initialisation, as they did in the
paper-era code (a plain Python list the optimiser never saw).  ``attention`` adds a residual self-attention
layer after every down and up block (the code's ``flag_att=0``; off in its default runs).

The network knows nothing of the noise schedule (``diffusion.py``).  Used in: book/03_diffusion (the
differences table), tests/test_context_unet.py.
"""
from __future__ import annotations

import torch
from torch import nn

from .config import ModelConfig
from .unet import Attention, ConditionEmbedding, official_dims


class ResidualConvBlock(nn.Module):
    """Two (3x3 conv, BatchNorm, GELU); with ``residual`` the input (or the first conv's output when the
    channels change) is added and the sum divided by 1.414, as in the paper's code."""

    def __init__(self, cin: int, cout: int, residual: bool = False):
        super().__init__()
        self.same, self.residual = cin == cout, residual
        self.conv1 = nn.Sequential(nn.Conv2d(cin, cout, 3, 1, 1), nn.BatchNorm2d(cout), nn.GELU())
        self.conv2 = nn.Sequential(nn.Conv2d(cout, cout, 3, 1, 1), nn.BatchNorm2d(cout), nn.GELU())

    def forward(self, x):  # (B, cin, H, W) -> (B, cout, H, W)
        x1 = self.conv1(x)
        x2 = self.conv2(x1)
        if not self.residual:
            return x2
        return ((x if self.same else x1) + x2) / 1.414


class EmbedFC(nn.Sequential):
    """Linear, GELU, Linear: the paper's code's embedding of time and of each concept variable."""

    def __init__(self, din: int, dout: int):
        super().__init__(nn.Linear(din, dout), nn.GELU(), nn.Linear(dout, dout))


class ContextUnet(nn.Module):
    """The paper's code's conditional network (module docstring); ``forward(x_t, t, cond)`` as ``UNet``'s."""

    def __init__(self, cfg: ModelConfig, n_variables: int = 3, image_size: int = 28, channels: int = 3):
        super().__init__()
        if image_size % 4:
            raise ValueError(f"image_size={image_size} is not allowed for arch='context_unet'; it pools twice by 2, "
                             "so use a multiple of 4 (the paper's code: 28)")
        self.cfg, nf = cfg, cfg.width
        att = (lambda c: Attention(c)) if cfg.attention else (lambda c: nn.Identity())
        self.init_conv = ResidualConvBlock(channels, nf, residual=True)
        self.down1 = nn.Sequential(ResidualConvBlock(nf, nf), nn.MaxPool2d(2), att(nf))
        self.down2 = nn.Sequential(ResidualConvBlock(nf, 2 * nf), nn.MaxPool2d(2), att(2 * nf))
        self.to_vec = nn.Sequential(nn.AvgPool2d(image_size // 4), nn.GELU())  # (B, 2nf, 1, 1): no location left
        self.time1, self.time2 = EmbedFC(1, 2 * nf), EmbedFC(1, nf)
        self.cond1 = ConditionEmbedding(n_variables, 2 * nf, "per_variable_mlp", official_dims(cfg))
        self.cond2 = ConditionEmbedding(n_variables, nf, "per_variable_mlp", official_dims(cfg))
        s = image_size // 4
        self.up0 = nn.Sequential(nn.ConvTranspose2d(2 * nf, 2 * nf, s, s), nn.GroupNorm(8, 2 * nf), nn.ReLU())
        self.up1 = nn.Sequential(nn.ConvTranspose2d(4 * nf, nf, 2, 2), ResidualConvBlock(nf, nf),
                                 ResidualConvBlock(nf, nf), att(nf))
        self.up2 = nn.Sequential(nn.ConvTranspose2d(2 * nf, nf, 2, 2), ResidualConvBlock(nf, nf),
                                 ResidualConvBlock(nf, nf), att(nf))
        self.out = nn.Sequential(nn.Conv2d(2 * nf, nf, 3, 1, 1), nn.GroupNorm(8, nf), nn.ReLU(),
                                 nn.Conv2d(nf, channels, 3, 1, 1))
        if cfg.cond_frozen:
            for p in self.condition_parameters():
                p.requires_grad_(False)

    def condition_parameters(self):
        """The parameters of the per-variable condition networks."""
        return [p for m in (self.cond1, self.cond2) for p in m.parameters()]

    @torch.no_grad()
    def block_shapes(self, image_size: int = 28) -> dict[str, tuple]:
        """Each top-level block's output shape (channels, height, width) on one input (book/03_diffusion)."""
        shapes, hooks = {}, []
        for name, mod in self.named_children():
            hooks.append(mod.register_forward_hook(lambda m, i, o, name=name: shapes.__setitem__(name, tuple(o.shape[1:]))))
        n_in = sum(self.cond1.in_dims) if self.cond1.in_dims else self.cond1.n
        was = self.training
        self.eval()
        self(torch.zeros(1, 3, image_size, image_size), torch.zeros(1), torch.zeros(1, n_in))
        self.train(was)
        for h in hooks:
            h.remove()
        return shapes

    def forward(self, x_t, t, cond):
        """x_t: (B, C, S, S); t: (B,) diffusion time in [0, 1]; cond: (B, n) value coordinates (NaN = dropped)."""
        x = self.init_conv(x_t)  # (B, nf, S, S)
        d1 = self.down1(x)  # (B, nf, S/2, S/2)
        d2 = self.down2(d1)  # (B, 2nf, S/4, S/4)
        h = self.up0(self.to_vec(d2))  # (B, 2nf, S/4, S/4), rebuilt from one vector
        t = t.float()[:, None]  # (B, 1): t / T
        c1, c2 = self.cond1(cond)[:, :, None, None], self.cond2(cond)[:, :, None, None]
        h = self.up1(torch.cat([c1 * h + self.time1(t)[:, :, None, None], d2], 1))  # (B, nf, S/2, S/2)
        h = self.up2(torch.cat([c2 * h + self.time2(t)[:, :, None, None], d1], 1))  # (B, nf, S, S)
        return self.out(torch.cat([h, x], 1))
