"""The one-call GPU script for chapter 4 works end to end (here at smoke scale on the CPU)."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_gpu_chapter4_script_at_smoke_scale(tmp_path, probe_root):
    (tmp_path / "probes").symlink_to(probe_root / "probes", target_is_directory=True)
    out = tmp_path / "rec.json"
    res = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "gpu_chapter4.py"), "--scale", "smoke", "--device",
                          "cpu", "--seeds", "0,1", "--root", str(tmp_path), "--threads", "1", "--out", str(out)],
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    rec = json.loads(out.read_text())
    assert [r["seed"] for r in rec["runs"]] == [0, 1] and all(r["finished"] for r in rec["runs"])
    assert "seed 1: finished at step 8 of 8" in res.stdout
    from cglib.emergence import record_frame, seed_search_summary
    summ = seed_search_summary(record_frame(rec))
    assert len(summ) == 2 and summ["111"].between(0, 1).all()
