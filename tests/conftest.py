"""Shared fixtures: one probe cache for the whole session, so probes train once."""
import os
from pathlib import Path

import pytest
import torch

if os.environ.get("PYTEST_XDIST_WORKER"):
    torch.set_num_threads(1)  # two workers on two cores

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def probe_root(tmp_path_factory):
    """A run root whose probes/ folder is shared by every test that trains."""
    root = tmp_path_factory.getbasetemp().parent / "shared-runs"  # shared by xdist workers
    (root / "probes").mkdir(parents=True, exist_ok=True)
    return root


@pytest.fixture(scope="session")
def probes(probe_root):
    from cglib.probes import ProbeConfig, load_probes
    return load_probes(ProbeConfig(), probe_root / "probes")


@pytest.fixture
def run_root(probe_root, tmp_path):
    """A fresh run root that reuses the session's trained probes (a symlink to the shared cache)."""
    (tmp_path / "probes").symlink_to(probe_root / "probes", target_is_directory=True)
    return tmp_path
