"""The diffusion process, apart from the network.

Paper: appendix A.2 and eq. 1 (the epsilon-MSE loss of Ho et al., DDPM);
the deterministic sampler is DDIM (Song et al., 2021).

``Diffusion`` holds the linear beta schedule and gives ``q_sample`` (forward
noising), ``loss`` (eq. 1, or the v-prediction loss), ``step_ddpm`` and
``step_ddim`` (one reverse step each) and ``sample``.  The network is any
callable ``model(x_t, t01, cond)`` with ``t01 = t / T`` in [0, 1).

Used in: book/03_diffusion and every training run.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .config import DATA_RANGES, DiffusionConfig


def linear_betas(T: int, beta_start: float = 1e-4, beta_end: float = 0.02) -> torch.Tensor:
    """The linear beta schedule of DDPM (Ho et al., 2020), float64 (T,)."""
    return torch.linspace(beta_start, beta_end, T, dtype=torch.float64)


class Diffusion:
    """Schedule buffers grouped by the equation they serve, and the samplers."""

    def __init__(self, cfg: DiffusionConfig = DiffusionConfig(), device="cpu", precision: str = "fp32"):
        self.cfg, self.T, self.device = cfg, cfg.T, device
        self.precision = precision  # "bf16": the network runs under bf16 autocast (TrainConfig.precision)
        self.lo, self.hi = DATA_RANGES[cfg.data_range]  # the pixel range diffused (the paper's code: [0, 1])
        betas = linear_betas(cfg.T, cfg.beta_start, cfg.beta_end)
        alpha_bar = torch.cumprod(1 - betas, 0)
        alpha_bar_prev = torch.cat([torch.ones(1, dtype=torch.float64), alpha_bar[:-1]])
        f = lambda a: a.float().to(device)  # noqa: E731
        self.betas, self.alpha_bar, self.alpha_bar_prev = f(betas), f(alpha_bar), f(alpha_bar_prev)
        # q(x_t | x_0) = N(sqrt(ab) x_0, (1 - ab) I)
        self.sqrt_ab, self.sqrt_1mab = f(alpha_bar.sqrt()), f((1 - alpha_bar).sqrt())
        # posterior q(x_{t-1} | x_t, x_0): mean = c0 x_0 + ct x_t, variance beta_tilde (DDPM eq. 7)
        self.post_c0 = f(betas * alpha_bar_prev.sqrt() / (1 - alpha_bar))
        self.post_ct = f((1 - betas).sqrt() * (1 - alpha_bar_prev) / (1 - alpha_bar))
        self.post_var = f(betas * (1 - alpha_bar_prev) / (1 - alpha_bar))
        # the mean from the predicted noise (DDPM eq. 11) and the variance beta_t of the official sampler
        self.inv_sqrt_alpha, self.eps_coef = f((1 - betas).rsqrt()), f(betas / (1 - alpha_bar).sqrt())
        self.sqrt_beta = f(betas.sqrt())

    def from_unit(self, images):
        """Images in [0, 1] to the range this process diffuses (``DiffusionConfig.data_range``)."""
        return images * (self.hi - self.lo) + self.lo

    def to_unit(self, x):
        """Samples of this process back to images in [0, 1] (clipped)."""
        return ((x - self.lo) / (self.hi - self.lo)).clamp(0, 1)

    def net(self, model, x_t, t01, cond):
        """The network's output in float32, computed in this process's precision (bf16 autocast or fp32)."""
        if self.precision != "bf16":
            return model(x_t, t01, cond)
        with torch.autocast(torch.device(self.device).type, dtype=torch.bfloat16):
            return model(x_t, t01, cond).float()

    @staticmethod
    def _b(a, t):  # gather a schedule value per batch element, shaped to broadcast over (B, C, H, W)
        return a[t][:, None, None, None]

    # ------------------------------------------------------------ forward process and loss

    def q_sample(self, x0, t, eps):
        """x_t = sqrt(alpha_bar_t) x0 + sqrt(1 - alpha_bar_t) eps.  x0, eps: (B, C, H, W); t: (B,) long."""
        return self._b(self.sqrt_ab, t) * x0 + self._b(self.sqrt_1mab, t) * eps

    def loss(self, model, x0, cond, generator=None):
        """Eq. 1: E ||eps - eps_theta(x_t, t, cond)||^2 with t uniform (or the v-target MSE)."""
        b = x0.shape[0]
        t = torch.randint(0, self.T, (b,), device=x0.device, generator=generator)
        eps = torch.randn(x0.shape, device=x0.device, generator=generator)
        x_t = self.q_sample(x0, t, eps)
        out = self.net(model, x_t, t.float() / self.T, cond)
        if self.cfg.target == "eps":
            target = eps
        else:  # v = sqrt(ab) eps - sqrt(1 - ab) x0 (Salimans & Ho, 2022)
            target = self._b(self.sqrt_ab, t) * eps - self._b(self.sqrt_1mab, t) * x0
        return F.mse_loss(out, target)

    # ------------------------------------------------------------ reverse process

    def predict(self, model, x_t, t, cond, guidance: float = 0.0, clip: bool = True):
        """(x0_hat, eps_hat) at integer time t (B,), with classifier-free guidance w; with ``clip`` x0_hat is
        clipped to the data range and eps_hat made consistent with it, else both are the network's own."""
        if guidance > 0:
            null = torch.full_like(cond, float("nan"))  # every concept variable dropped (unet.py)
            both = self.net(model, torch.cat([x_t, x_t]), torch.cat([t, t]).float() / self.T, torch.cat([cond, null]))
            out_c, out_u = both.chunk(2)
            out = (1 + guidance) * out_c - guidance * out_u
        else:
            out = self.net(model, x_t, t.float() / self.T, cond)
        sab, s1m = self._b(self.sqrt_ab, t), self._b(self.sqrt_1mab, t)
        if self.cfg.target == "eps":
            x0 = (x_t - s1m * out) / sab
        else:
            x0 = sab * x_t - s1m * out
        if not clip:
            return x0, (out if self.cfg.target == "eps" else sab * out + s1m * x_t)
        x0 = x0.clamp(self.lo, self.hi)
        eps = (x_t - sab * x0) / s1m
        return x0, eps

    def step_ddpm(self, x0_hat, t, x_t, noise):
        """One ancestral step x_t -> x_{t-1} (DDPM, Ho et al. 2020, algorithm 2)."""
        # 1. posterior mean from the predicted x0 (eq. 7)
        mean = self._b(self.post_c0, t) * x0_hat + self._b(self.post_ct, t) * x_t
        # 2. add noise with the posterior variance, except at the last step t = 0
        nonzero = (t > 0).float()[:, None, None, None]
        return mean + nonzero * self._b(self.post_var, t).sqrt() * noise

    def step_ddpm_beta(self, eps_hat, t, x_t, noise):
        """One ancestral step x_t -> x_{t-1} as the paper's code samples (``sampler="ddpm_beta"``): from the
        network's own noise prediction, nothing clipped, and the variance beta_t (DDPM section 3.2's upper
        choice; diffusers' ``variance_type="fixed_large"``)."""
        # 1. mean from the predicted noise (DDPM eq. 11): (x_t - beta_t / sqrt(1 - alpha_bar_t) eps) / sqrt(alpha_t)
        mean = self._b(self.inv_sqrt_alpha, t) * (x_t - self._b(self.eps_coef, t) * eps_hat)
        # 2. add noise with variance beta_t, except at the last step t = 0
        nonzero = (t > 0).float()[:, None, None, None]
        return mean + nonzero * self._b(self.sqrt_beta, t) * noise

    def step_ddim(self, x0_hat, eps_hat, t_prev, t=None, eta: float = 0.0, noise=None):
        """One DDIM step from time t to t_prev (B,); t_prev = -1 means x0.  ``eta`` = 0 is deterministic;
        eta = 1 adds as much fresh noise as an ancestral step over the same interval (Song et al. eq. 16)."""
        ab_prev = torch.where(t_prev >= 0, self.alpha_bar[t_prev.clamp(min=0)], torch.ones_like(t_prev, dtype=torch.float))
        ab_prev = ab_prev[:, None, None, None]
        if eta == 0:
            # x_{t_prev} = sqrt(ab_prev) x0_hat + sqrt(1 - ab_prev) eps_hat (Song et al. eq. 12, sigma = 0)
            return ab_prev.sqrt() * x0_hat + (1 - ab_prev).sqrt() * eps_hat
        ab = self._b(self.alpha_bar, t)
        sigma = eta * ((1 - ab_prev) / (1 - ab) * (1 - ab / ab_prev)).clamp(min=0).sqrt()
        return ab_prev.sqrt() * x0_hat + (1 - ab_prev - sigma ** 2).clamp(min=0).sqrt() * eps_hat + sigma * noise

    @torch.no_grad()
    def sample(self, model, cond, image_size: int, sampler: str | None = None, steps: int | None = None,
               guidance: float | None = None, generator=None, eta: float = 0.0):
        """Generate images for conditions ``cond`` (B, n) (value coordinates, unet.py, or the paper's code's
        inputs).  Returns x0 (B, 3, S, S) in the data range (``to_unit`` maps it to [0, 1]).
        DDIM draws fresh noise each step only with ``eta`` > 0 (recipe_search/sampler_eval.py); the presets use 0."""
        sampler = sampler or self.cfg.sampler
        steps = steps or self.cfg.sample_steps
        guidance = self.cfg.guidance if guidance is None else guidance
        b = cond.shape[0]
        x = torch.randn((b, 3, image_size, image_size), device=self.device, generator=generator)
        if sampler in ("ddpm", "ddpm_beta"):
            for i in reversed(range(self.T)):
                t = torch.full((b,), i, device=self.device, dtype=torch.long)
                noise = torch.randn(x.shape, device=self.device, generator=generator)
                if sampler == "ddpm":
                    x0, _ = self.predict(model, x, t, cond, guidance)
                    x = self.step_ddpm(x0, t, x, noise)
                else:  # the paper's code: nothing clipped inside the loop, the final image clipped
                    x = self.step_ddpm_beta(self.predict(model, x, t, cond, guidance, clip=False)[1], t, x, noise)
            return x.clamp(self.lo, self.hi) if sampler == "ddpm_beta" else x
        times = ddim_times(self.T, steps)
        for i, tt in enumerate(times):
            t = torch.full((b,), tt, device=self.device, dtype=torch.long)
            x0, eps = self.predict(model, x, t, cond, guidance)
            t_prev = torch.full((b,), times[i + 1] if i + 1 < len(times) else -1, device=self.device, dtype=torch.long)
            noise = torch.randn(x.shape, device=self.device, generator=generator) if eta > 0 else None
            x = self.step_ddim(x0, eps, t_prev, t, eta, noise)
        return x


def ddim_times(T: int, steps: int) -> list[int]:
    """Evenly spaced integer times from T-1 down to 0, ``steps`` of them."""
    return sorted({round(i * (T - 1) / max(steps - 1, 1)) for i in range(steps)}, reverse=True)
