"""The engine's levers (issue: a run at the speed of the machine): bf16 autocast as a config field that is part
of the run id and never chosen by the machine, a warning where bf16 is not native, overprompting at a coarser
interval than the plain curve, and the old run ids unchanged by the new fields at their defaults."""
import warnings

import pytest
import torch

import cglib.train as training
from cglib.config import preset
from cglib.runs import run_id
from cglib.sampling import sampler_prompt
from cglib.scales import PAPER_NETWORK


def test_new_fields_keep_old_ids_and_are_part_of_new_ones():
    assert run_id(preset("smoke")) == "ee3e7e79b103"
    assert run_id(preset("smoke", precision="bf16")) != run_id(preset("smoke"))
    assert run_id(preset("smoke", overprompt_every=8)) != run_id(preset("smoke"))
    with pytest.raises(ValueError, match="TrainConfig.precision='fp16'.*'fp32', 'bf16', 'tf32'"):
        preset("smoke", precision="fp16")
    with pytest.raises(ValueError, match="TrainConfig.overprompt_every=6 .*multiple of eval_every=4"):
        preset("smoke", overprompt_every=6)


#: The `paper` preset's code path (its network, inputs, sampler, data range) at smoke's budget
#: (benchmarks/gpu_chapter4.py --paper-path), where bf16 is the preset's precision.
PAPER_PATH = {**PAPER_NETWORK, "sampler": "ddpm_beta", "data_range": "[0, 1]", "target": "eps"}


@pytest.mark.parametrize("path", [{}, PAPER_PATH], ids=["unet", "paper_path"])
def test_bf16_loss_is_fp32_loss_within_tolerance(path):
    """The same model, batch and noise: the bf16-autocast loss and gradients stay within 2% / 0.9 cosine of fp32."""
    cfg = preset("smoke", width=16, **path)
    torch.manual_seed(0)
    model, d32 = training.build(cfg, torch.device("cpu"))
    d16 = training.Diffusion(cfg.diffusion, "cpu", "bf16")
    x0 = torch.rand(16, 3, 28, 28) * 2 - 1
    cond = sampler_prompt(model, ["000", "011", "101", "110"], 4)
    losses, grads = [], []
    for d in (d32, d16):
        model.zero_grad()
        loss = d.loss(model, x0, cond, generator=torch.Generator().manual_seed(1))
        loss.backward()
        losses.append(loss.item())
        grads.append(torch.cat([p.grad.flatten() for p in model.parameters() if p.grad is not None]))
    assert losses[1] == pytest.approx(losses[0], rel=0.02)
    assert torch.nn.functional.cosine_similarity(grads[0], grads[1], dim=0) > 0.9
    assert d16.net(model, x0[:2], torch.rand(2), cond[:2]).dtype == torch.float32


def test_bf16_without_native_support_warns(monkeypatch):
    monkeypatch.setattr(training, "native_bf16", lambda device: False)
    with pytest.warns(UserWarning, match="no native bf16.*precision='fp32' is the fast choice"):
        training.build(preset("smoke", precision="bf16"), torch.device("cpu"))
    monkeypatch.setattr(training, "native_bf16", lambda device: True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        training.build(preset("smoke", precision="bf16"), torch.device("cpu"))


@pytest.mark.slow
def test_overprompting_every_k_steps_and_at_the_end(run_root):
    cfg = preset("smoke", seed=5, epochs=2.0, eval_every=4, overprompt=(1.5,), overprompt_every=12)
    run = training.train(cfg, run_root, progress=False)
    tab = run.table()
    over = sorted(tab.loc[tab.acc_over.notna(), "step"].unique())
    assert over == [12, 16], over  # every 12 steps and the last (16), not at 4 or 8


@pytest.mark.slow
@pytest.mark.parametrize("path", [{}, PAPER_PATH], ids=["unet", "paper_path"])
def test_a_bf16_smoke_run_trains_like_fp32(run_root, path):
    """Tolerance: the smoothed training loss at the end within 10% of fp32's (the same seed, data and batches)."""
    runs = [training.train(preset("smoke", seed=6, epochs=2.0, precision=p, **path), run_root, progress=False)
            for p in ("fp32", "bf16")]
    loss = [r.table().loss.iloc[-1] for r in runs]
    assert loss[1] == pytest.approx(loss[0], rel=0.10), loss


