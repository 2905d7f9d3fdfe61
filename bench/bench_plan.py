"""The offline plan's speed, as ratios to floors measured in this same run (wall time, fresh processes).

1. Plan one stack (`ghes-packages plan --stack dev`, the console script) against the floor: a Python process that only loads
   pulumi and the pulumi_aws modules the program uses. pulumi_aws loads a submodule lazily, on the first
   attribute access, so the floor touches one class of each; `import pulumi_aws.s3` alone loads nothing.
   Aim: at most 1.5 times the floor.
2. `plan --all` over 20 generated stacks against `plan --all` over 1: the marginal time per extra stack.
   Aim: at most 50 ms.

Runs are interleaved and the median taken, so load from other processes hits both sides alike.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

PROJECT_DIR = Path(__file__).resolve().parent.parent
FLOOR = "import pulumi, pulumi_aws.s3, pulumi_aws.iam; pulumi_aws.s3.Bucket; pulumi_aws.iam.User"
RUNS = 7
STACKS = 20
RATIO_AIM, MARGINAL_AIM_MS = 1.5, 50.0


def _seconds(command: list[str]) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, cwd=PROJECT_DIR, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"{' '.join(command[1:])} exited {result.returncode}: {last}")
    return elapsed


def _medians(commands: dict[str, list[str]], runs: int = RUNS) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            times[name].append(_seconds(command))
    return {name: statistics.median(values) for name, values in times.items()}


def _stacks(directory: Path, count: int) -> Path:
    """`count` stacks like stacks/Pulumi.dev.yaml, each with its own hostname and Actions bucket."""
    dev = yaml.safe_load((PROJECT_DIR / "stacks" / "Pulumi.dev.yaml").read_text())["config"]
    directory.mkdir()
    for i in range(count):
        config = {
            **dev,
            "ghes-packages:hostname": f"ghes-{i}.example.com",
            "ghes-packages:actionsBucketName": f"bench-actions-{i}",
        }
        (directory / f"Pulumi.bench{i:02d}.yaml").write_text(yaml.safe_dump({"config": config}))
    return directory


def _verdict(ok: bool) -> str:
    return "meets the aim" if ok else "MISSES the aim"


def main() -> int:
    plan = [str(Path(sys.executable).parent / "ghes-packages"), "plan"]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            one, many = _stacks(Path(tmp) / "one", 1), _stacks(Path(tmp) / "many", STACKS)
            single = _medians({"floor": [sys.executable, "-c", FLOOR], "plan": [*plan, "--stack", "dev"]})
            every = _medians(
                {"one": [*plan, "--all", "--stacks-dir", str(one)], "many": [*plan, "--all", "--stacks-dir", str(many)]}
            )
    except RuntimeError as error:
        print(f"bench_plan: {error}", file=sys.stderr)
        return 1
    ratio = single["plan"] / single["floor"]
    marginal_ms = (every["many"] - every["one"]) / (STACKS - 1) * 1000
    print(f"floor (load pulumi, pulumi_aws.s3, pulumi_aws.iam): {single['floor']:.2f} s (median of {RUNS})")
    print(
        f"plan --stack dev: {single['plan']:.2f} s = {ratio:.2f} x floor "
        f"(aim <= {RATIO_AIM}): {_verdict(ratio <= RATIO_AIM)}"
    )
    print(f"plan --all: 1 stack {every['one']:.2f} s, {STACKS} stacks {every['many']:.2f} s")
    print(
        f"marginal time per additional stack: {marginal_ms:.0f} ms (aim <= {MARGINAL_AIM_MS:.0f} ms): "
        f"{_verdict(marginal_ms <= MARGINAL_AIM_MS)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
