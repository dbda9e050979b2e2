"""The README's cluster commands, run as written on one machine: a token, a head and a worker started with
the ``ray`` CLI, a worker without the token refused, and chapter 5 at smoke scale through the cluster.

The only changes to the README's lines: HEAD_IP is 127.0.0.1, the port is a free one, each node offers one
CPU (two nodes on a 2-core machine), ``~/.ray`` lives in this test's folder, and the chapter runs at
``smoke`` with a small sweep instead of ``paper`` (its output goes to this test's folder)."""
import os
import re
import shlex
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("ray")
# never beside the other Ray tests, and after them (this file sorts after test_sweep_ray.py): its `ray stop`
# ends every Ray process on the machine, and a local Ray started just after it once lost its raylet
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("ray")]

ROOT = Path(__file__).resolve().parents[1]
SMOKE = ["-p", "scale", "smoke", "-p", "counts", "[0, 16]", "-p", "base_count", "48", "-p", "steps", "4"]


def readme_cluster_block() -> list[str]:
    text = (ROOT / "README.md").read_text()
    block = next(b for b in re.findall(r"```bash\n(.*?)```", text, re.S) if "ray start --head" in b)
    return [line.strip() for line in block.splitlines() if line.strip() and not line.strip().startswith("#")]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_readme_cluster_commands_run_chapter_5(tmp_path, probe_root):
    lines = readme_cluster_block()
    assert any(line.startswith("ray get-auth-token") for line in lines), "the README must show how to get the token"
    port = str(_free_port())
    bindir = Path(sys.executable).parent
    env = {**os.environ, "HOME": str(tmp_path / "home"), "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}"}
    for k in ("RAY_ADDRESS", "RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH"):
        env.pop(k, None)
    runs = tmp_path / "runs"
    runs.mkdir()
    (runs / "probes").symlink_to(probe_root / "probes", target_is_directory=True)
    token, ran = None, []

    def sub(s):
        return s.replace("HEAD_IP", "127.0.0.1").replace("6379", port)

    def run(cmd, **kw):
        return subprocess.run(cmd, env=kw.pop("env", env), capture_output=True, text=True, timeout=600, **kw)

    try:
        for line in lines:
            if line.startswith("export "):
                for kv in shlex.split(line[len("export "):]):
                    k, v = kv.split("=", 1)
                    v = token if v == "<token>" else v
                    env[k] = sub(v) if k != "CGLIB_RUNS" else str(runs)
            elif line.startswith("ray get-auth-token"):
                res = run(shlex.split(line))
                assert res.returncode == 0, res.stderr[-2000:]
                token = res.stdout.strip().splitlines()[-1]
                assert (tmp_path / "home" / ".ray" / "auth_token").read_text().strip() == token
            elif line.startswith("ray start"):
                if "--head" not in line:  # first, the README's warning: a worker without the token is refused
                    bare = {k: v for k, v in env.items() if not k.startswith("RAY_AUTH")}
                    bare["HOME"] = str(tmp_path / "other-home")
                    res = run(shlex.split(sub(line)) + ["--num-cpus=1"], env=bare)
                    assert res.returncode != 0 and "InvalidAuthToken" in res.stdout + res.stderr, res.stdout[-2000:]
                res = run(shlex.split(sub(line)) + ["--num-cpus=1", "--disable-usage-stats"])
                assert res.returncode == 0, (res.stdout + res.stderr)[-3000:]
            elif line.startswith("make rerun"):
                chapter = re.search(r"CHAPTER=(\S+)", line).group(1)
                args = shlex.split(re.search(r'ARGS="([^"]*)"', line).group(1))
                assert args[:2] == ["-p", "executor"] and "ray" in args
                cmd = [sys.executable, "-m", "cglib.rerun", chapter, "-p", "executor", "ray", *SMOKE,
                       "--out", str(tmp_path / "out")]
                res = run(cmd, cwd=ROOT)
                assert res.returncode == 0, (res.stdout + res.stderr)[-3000:]
            else:
                raise AssertionError(f"the test does not know how to run the README line {line!r}")
            ran.append(line.split()[0:2])
        status = run(["ray", "status", f"--address=127.0.0.1:{port}"])
        assert status.stdout.count("node_") >= 2, status.stdout[-2000:]  # the head and the worker
    finally:
        run(["ray", "stop", "--force"])
    assert ["make", "rerun"] in ran and ["ray", "start"] in ran
    assert len(list(runs.glob("run-*/DONE"))) == 4  # chapter 5's four smoke points, trained through the cluster
