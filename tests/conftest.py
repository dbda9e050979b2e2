"""Shared fixtures: one probe cache for the whole session, so probes train once."""
import os
from pathlib import Path

import pytest
import torch

if os.environ.get("PYTEST_XDIST_WORKER"):
    torch.set_num_threads(1)  # two workers on two cores

ROOT = Path(__file__).resolve().parents[1]
# every figure a chapter renders in the tests (their papermill kernels inherit this) keeps its text readable
# in the book's column, as in the smoke build (cglib.readable.check_readable)
os.environ.setdefault("CGLIB_FIGURE_CHECK", "1")


@pytest.fixture(scope="session")
def probe_root(tmp_path_factory):
    """A run root whose probes/ folder is shared by every test that trains."""
    root = tmp_path_factory.getbasetemp().parent / "shared-runs"  # shared by xdist workers
    (root / "probes").mkdir(parents=True, exist_ok=True)
    html = os.environ.get("CGLIB_BOOK_HTML")  # make test built the smoke book first: reuse the probes it trained
    if html:
        import shutil
        for p in (Path(html).parents[1] / "runs" / "probes").glob("probe-*.pt"):
            if not (root / "probes" / p.name).exists():
                shutil.copy(p, root / "probes" / f".{p.name}.tmp{os.getpid()}")
                os.replace(root / "probes" / f".{p.name}.tmp{os.getpid()}", root / "probes" / p.name)
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
