"""The schedule, the training targets and one step of each sampler, checked against the `diffusers`
schedulers (an independent implementation), rather than against values recorded from this code."""
import pytest
import torch

from cglib.config import DiffusionConfig
from cglib.diffusion import Diffusion

diffusers = pytest.importorskip("diffusers")
T = 50


def _ours(target):
    return Diffusion(DiffusionConfig(T=T, target=target, sample_steps=5))


def _theirs(cls, target):
    return cls(num_train_timesteps=T, beta_start=1e-4, beta_end=0.02, beta_schedule="linear", clip_sample=True,
               prediction_type={"eps": "epsilon", "v": "v_prediction"}[target])


class Fixed(torch.nn.Module):
    """A 'network' whose output does not depend on the condition: the same output for both libraries."""

    def __init__(self, out):
        super().__init__()
        self.o = out

    def forward(self, x, t, cond):
        return self.o


def test_schedule_and_training_targets_match_diffusers():
    d = _ours("v")
    s = _theirs(diffusers.DDPMScheduler, "v")
    assert torch.allclose(d.alpha_bar, s.alphas_cumprod.float(), rtol=1e-5, atol=1e-7)
    g = torch.Generator().manual_seed(0)
    x0, eps = torch.rand(4, 3, 8, 8, generator=g) * 2 - 1, torch.randn(4, 3, 8, 8, generator=g)
    t = torch.tensor([0, 7, 31, 49])
    assert torch.allclose(d.q_sample(x0, t, eps), s.add_noise(x0, eps, t), atol=1e-5)
    v = d._b(d.sqrt_ab, t) * eps - d._b(d.sqrt_1mab, t) * x0  # the v target diffusion.loss trains on
    assert torch.allclose(v, s.get_velocity(x0, eps, t), atol=1e-5)


@pytest.mark.parametrize("target", ["eps", "v"])
def test_one_ddpm_step_matches_diffusers(target):
    d, s = _ours(target), _theirs(diffusers.DDPMScheduler, target)
    s.set_timesteps(T)
    g = torch.Generator().manual_seed(1)
    x_t, out = torch.randn(2, 3, 8, 8, generator=g), torch.randn(2, 3, 8, 8, generator=g) * 0.5
    for t in (40, 1):
        x0_hat, _ = d.predict(Fixed(out), x_t, torch.full((2,), t), torch.zeros(2, 3))
        noise = torch.randn(x_t.shape, generator=torch.Generator().manual_seed(5))
        ours = d.step_ddpm(x0_hat, torch.full((2,), t), x_t, noise)
        theirs = s.step(out, t, x_t, generator=torch.Generator().manual_seed(5)).prev_sample
        assert torch.allclose(ours, theirs, atol=1e-4), (target, t)


@pytest.mark.parametrize("target, eta", [("eps", 0.0), ("v", 0.0), ("eps", 1.0)])
def test_one_ddim_step_matches_diffusers(target, eta):
    d, s = _ours(target), _theirs(diffusers.DDIMScheduler, target)
    s.set_timesteps(5)  # diffusers steps from t to t - T // 5
    g = torch.Generator().manual_seed(2)
    x_t, out = torch.randn(2, 3, 8, 8, generator=g), torch.randn(2, 3, 8, 8, generator=g) * 0.5
    t = 30
    noise = torch.randn(x_t.shape, generator=torch.Generator().manual_seed(6))
    x0_hat, eps_hat = d.predict(Fixed(out), x_t, torch.full((2,), t), torch.zeros(2, 3))
    ours = d.step_ddim(x0_hat, eps_hat, torch.full((2,), t - T // 5), torch.full((2,), t), eta=eta, noise=noise)
    theirs = s.step(out, t, x_t, eta=eta, use_clipped_model_output=True, variance_noise=noise).prev_sample
    assert torch.allclose(ours, theirs, atol=1e-4)


def _official(target):
    """The paper's code's sampler in diffusers' terms: variance beta_t ("fixed_large"), nothing clipped."""
    return diffusers.DDPMScheduler(num_train_timesteps=T, beta_start=1e-4, beta_end=0.02, beta_schedule="linear",
                                   clip_sample=False, variance_type="fixed_large",
                                   prediction_type={"eps": "epsilon", "v": "v_prediction"}[target])


@pytest.mark.parametrize("target", ["eps", "v"])
def test_one_official_ddpm_step_matches_diffusers_fixed_large(target):
    d, s = _ours(target), _official(target)
    s.set_timesteps(T)
    g = torch.Generator().manual_seed(3)
    x_t, out = torch.randn(2, 3, 8, 8, generator=g) * 2, torch.randn(2, 3, 8, 8, generator=g) * 3  # far outside [-1, 1]
    for t in (45, 20, 1, 0):
        _, eps_hat = d.predict(Fixed(out), x_t, torch.full((2,), t), torch.zeros(2, 3), clip=False)
        noise = torch.randn(x_t.shape, generator=torch.Generator().manual_seed(7))
        ours = d.step_ddpm_beta(eps_hat, torch.full((2,), t), x_t, noise)
        theirs = s.step(out, t, x_t, generator=torch.Generator().manual_seed(7)).prev_sample
        assert torch.allclose(ours, theirs, atol=1e-4, rtol=1e-4), (target, t)


def test_the_official_sampler_full_loop_matches_diffusers():
    """All T steps with a fixed model: the same trajectory as diffusers (the last image then clipped)."""
    d, s = _ours("eps"), _official("eps")
    s.set_timesteps(T)
    out = torch.randn(2, 3, 8, 8, generator=torch.Generator().manual_seed(4)) * 0.3
    ours = Diffusion(DiffusionConfig(T=T, target="eps", sampler="ddpm_beta")).sample(
        Fixed(out), torch.zeros(2, 3), 8, generator=torch.Generator().manual_seed(9))
    g = torch.Generator().manual_seed(9)
    x = torch.randn(2, 3, 8, 8, generator=g)
    for t in s.timesteps:
        x = s.step(out, t, x, generator=g).prev_sample  # one draw per step with noise: the same draws as ours
    assert torch.allclose(ours, x.clamp(-1, 1), atol=1e-4)
    assert not torch.allclose(ours, Diffusion(DiffusionConfig(T=T, target="eps", sampler="ddpm")).sample(
        Fixed(out), torch.zeros(2, 3), 8, generator=torch.Generator().manual_seed(9)), atol=1e-3)  # clipping matters
