"""The paper's code's network as an option (ModelConfig.arch = "context_unet"): its size at n_feat = 256, its
output, frozen condition networks that a training step leaves alone, and run ids of the old configs unchanged."""
import json
from pathlib import Path

import pytest
import torch

from cglib.config import ModelConfig, preset
from cglib.context_unet import ContextUnet
from cglib.runs import run_id
from cglib.unet import n_parameters

ROOT = Path(__file__).resolve().parents[1]
OFFICIAL = dict(arch="context_unet", cond="multiply", cond_embed="per_variable_mlp", attention=False)


def test_size_at_the_papers_width_and_output_shape():
    m = ContextUnet(ModelConfig(width=256, cond_frozen=True, **OFFICIAL), 3, 28)
    trainable = sum(p.numel() for p in m.parameters() if p.requires_grad)
    assert 25e6 < trainable < 27e6, trainable  # the paper's code: about 26M (its condition nets were never counted)
    assert n_parameters(m) > trainable  # the frozen condition networks are there, just not trained
    small = ContextUnet(ModelConfig(width=16, **OFFICIAL), 3, 28)
    out = small(torch.randn(2, 3, 28, 28), torch.rand(2), torch.tensor([[0.0, 1.0, 1.0], [1.0, 0.0, float("nan")]]))
    assert out.shape == (2, 3, 28, 28) and torch.isfinite(out).all()


def test_the_7x7_map_is_pooled_to_one_vector():
    """The global average pool removes location: moving the object does not change what up0 starts from."""
    m = ContextUnet(ModelConfig(width=8, **OFFICIAL), 3, 28).eval()
    seen = []
    m.to_vec.register_forward_hook(lambda mod, i, o: seen.append(o.shape))
    m(torch.randn(1, 3, 28, 28), torch.rand(1), torch.zeros(1, 3))
    assert seen == [torch.Size([1, 16, 1, 1])]


def test_frozen_condition_networks_are_unchanged_by_a_step():
    torch.manual_seed(0)
    m = ContextUnet(ModelConfig(width=8, cond_frozen=True, **OFFICIAL), 3, 28)
    before = [p.detach().clone() for p in m.condition_parameters()]
    rest = [p.detach().clone() for p in m.parameters() if p.requires_grad]
    opt = torch.optim.Adam([p for p in m.parameters() if p.requires_grad], lr=1e-2)
    loss = m(torch.randn(4, 3, 28, 28), torch.rand(4), torch.rand(4, 3)).pow(2).mean()
    loss.backward()
    opt.step()
    assert all(torch.equal(a, b) for a, b in zip(before, m.condition_parameters()))
    assert any(not torch.equal(a, b) for a, b in zip(rest, [p for p in m.parameters() if p.requires_grad]))


def test_bad_combinations_are_refused():
    with pytest.raises(ValueError, match="arch='context_unet' has the paper's code's condition path"):
        ModelConfig(arch="context_unet", cond="film")
    with pytest.raises(ValueError, match="ModelConfig.arch='resnet'"):
        ModelConfig(arch="resnet")
    with pytest.raises(ValueError, match="multiple of 4"):
        ContextUnet(ModelConfig(width=8, **OFFICIAL), 3, 30)


def test_existing_run_ids_are_unchanged():
    """The new field is left out of the hash at its default: the recorded runs keep their ids."""
    rec = json.loads((ROOT / "recipe_search" / "results" / "seed_search_2026-11-28.json").read_text())
    ids = {r["seed"]: r["run_id"] for r in rec["runs"] if r["candidate"] == "b64_drawn_ratio59"}
    assert ids and all(run_id(preset("cpu", seed=s)) == rid for s, rid in ids.items())
    assert run_id(preset("cpu", arch="context_unet", cond="multiply", cond_embed="per_variable_mlp")) != ids[0]


@pytest.mark.slow
def test_a_smoke_run_trains_the_papers_network(run_root):
    from cglib.train import train
    cfg = preset("smoke", seed=3, cond_frozen=True, **OFFICIAL)
    run = train(cfg, run_root, device="cpu", progress=False)
    assert run.finished and run.metrics() and cfg.model.arch == "context_unet"
    # the EMA weights that sample carry the trained BatchNorm statistics, not their initial ones
    ck = torch.load(run.checkpoint_path, weights_only=False)
    stats = [k for k in ck["model"] if k.endswith("running_var")]
    assert stats and all(torch.equal(ck["ema"][k], ck["model"][k]) for k in stats)
    assert not all(torch.equal(ck["model"][k], torch.ones_like(ck["model"][k])) for k in stats)
