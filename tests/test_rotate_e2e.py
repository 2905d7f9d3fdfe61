"""`ghes-packages rotate` end to end, offline: the console script, a stand-in `pulumi` whose `up` makes, switches
and deletes keys in a moto server's IAM (tests/fake_pulumi_moto.py), and the stand-in appliance behind a real
sshd whose host key the stack pins.

The stand-in `pulumi` checks before and after every call that the key the appliance holds is active in moto;
any moment it is not is a breach, and no test of a rotation may see one. Every secret key moto issued is
searched for in every captured output and in every `pulumi` call's arguments.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from components.iam_policy import packages_policy_document
from ghes_packages.appliance.ghe_config import GheConfigKey
from ghes_packages.exits import ExitCode
from ghes_packages.plan.evaluation import evaluate
from ghes_packages.project import PROJECT_DIR
from tests.fake_appliance import FakeAppliance
from tests.fake_pulumi_moto import SETTING
from tests.helpers import COMMAND, Result, fake_pulumi_moto, run_process
from tests.moto_s3 import REGION, MotoS3, moto_s3
from tests.sshd import SSHD, SshServer, running_sshd

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not SSHD.exists(), reason="needs OpenSSH's sshd (.ci/run installs openssh-server)"),
]

STACK = "rotation"
HOSTNAME = "ghes.example.com"
BUCKET = "ghes-packages-rotation-e2e"
STEP_DONE = re.compile(r"step \d+ done$")
STEP_STARTED = re.compile(r"step \d+: (.*)$")
WAIT = "5"  # verify's patience: moto needs none, but rotate must pass it through
ROTATION = ("add generation 2", "pulumi up", "verify", "configure", "mark generation 1 inactive", "pulumi up")
"""How each step of a rotation from generation 1 is announced (docs/rotation.md), in order."""


@pytest.fixture(scope="module")
def moto() -> Iterator[tuple[MotoS3, str]]:
    """One moto server and bucket per module; the policy is the program's, for the bucket's ARN as it reports it."""
    config = {"aws:region": REGION, "ghes-packages:hostname": HOSTNAME, "ghes-packages:bucketName": BUCKET}
    bucket_arn = evaluate(config, STACK).outputs["bucketArn"]
    with moto_s3() as server:
        server.create_bucket(BUCKET)
        yield server, json.dumps(packages_policy_document(bucket_arn))


class Rig:
    """One stack: its stand-in Pulumi state, its IAM user in moto, its appliance behind sshd; and every run's output."""

    def __init__(self, folder: Path, moto: MotoS3, policy: str, appliance: FakeAppliance, sshd: SshServer):
        self.moto, self.appliance, self.sshd = moto, appliance, sshd
        self.user = moto.create_user(f"packages-{folder.name}"[:64], policy)
        self.state_file = folder / "pulumi-state.json"
        self.calls_file = folder / "pulumi-calls"
        self.breaches_file = folder / "breaches"
        self.held_file = appliance.state / "settings" / GheConfigKey.AWS_ACCESS_KEY.value
        assert moto.admin_key is not None
        outputs = {"hostname": HOSTNAME, "serviceUrl": moto.url, "bucketName": BUCKET, "region": REGION,
                   "storage": "s3", "iamUserName": self.user,
                   "applianceAddress": sshd.host, "applianceHostKey": sshd.host_key}  # fmt: skip
        state = {"moto_url": moto.url, "user": self.user, "config": {}, "keys": {}, "outputs": outputs,
                 "admin": [moto.admin_key.access_key_id, moto.admin_key.secret_access_key]}  # fmt: skip
        self.state_file.write_text(json.dumps(state))
        self.state_file.chmod(0o600)
        self.env = {
            "PATH": f"{fake_pulumi_moto(folder / 'pulumi-bin')}:{os.environ['PATH']}",
            "FAKE_PULUMI_STATE": str(self.state_file),
            "FAKE_PULUMI_CALLS": str(self.calls_file),
            "FAKE_PULUMI_BREACHES": str(self.breaches_file),
            "FAKE_APPLIANCE_KEY_FILE": str(self.held_file),
        }
        self.ssh = ["--port", str(sshd.port), "--user", sshd.user, "--ssh-config", str(sshd.client_config)]
        self.outputs: list[str] = []
        self.secrets: set[str] = set()

    # --- running -------------------------------------------------------------------------------------

    def pulumi(self, *args: str) -> None:
        """The stand-in `pulumi` itself, as a pipeline would run it outside rotate."""
        subprocess.run(["pulumi", *args, "--stack", STACK], env={**os.environ, **self.env}, check=True, cwd=PROJECT_DIR)
        self._learn_secrets()

    def run(self, command: str, *args: str) -> Result:
        """`ghes-packages COMMAND --stack STACK ARGS` (with the ssh options) as a fresh process."""
        result = run_process(command, "--stack", STACK, *self.ssh, *args, env=self.env)
        self.outputs += [result.out, result.err]
        self._learn_secrets()
        return result

    def arrive_at(self, setting: str) -> None:
        """Bring the stack to `setting` the way a careful pipeline would: overlap, configure, then the rest."""
        self.pulumi("config", "set", SETTING, '{"1":"active","2":"active"}')
        self.pulumi("up", "--yes", "--policy-pack", "policies")
        assert self.run("configure").code == 0
        self.pulumi("config", "set", SETTING, setting)
        self.pulumi("up", "--yes", "--policy-pack", "policies")
        assert self.breaches() == "", self.breaches()

    def rotate(self, *args: str) -> Result:
        return self.run("rotate", "--wait", WAIT, *args)

    def rotate_killed_after(self, step: str) -> list[str]:
        """Start rotate and SIGKILL it (and the `pulumi` or ssh it runs) as soon as it printed that the step whose
        description starts with `step` is done; the steps it announced."""
        command = [str(COMMAND), "rotate", "--stack", STACK, "--wait", WAIT, *self.ssh]
        process = subprocess.Popen(command, cwd=PROJECT_DIR, env={**os.environ, **self.env}, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, start_new_session=True)  # fmt: skip
        assert process.stderr is not None and process.stdout is not None
        seen, taken, killed = [], [], False
        for line in process.stderr:
            seen.append(line)
            started = STEP_STARTED.search(line.rstrip("\n"))
            taken += [started.group(1)] if started else []
            if STEP_DONE.search(line.rstrip("\n")) and taken[-1].startswith(step):
                os.killpg(process.pid, signal.SIGKILL)
                killed = True
                break
        process.wait(timeout=60)
        self.outputs += ["".join(seen), process.stdout.read()]
        self._learn_secrets()
        assert killed, f"rotate ended (exit {process.returncode}) before a step {step!r} was done: {''.join(seen)}"
        return taken

    def _learn_secrets(self) -> None:
        self.secrets |= {key["secret"] for key in self.state()["keys"].values()}

    # --- observing -----------------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = json.loads(self.state_file.read_text())
        return state

    def setting(self) -> dict[str, str]:
        value: dict[str, str] = json.loads(self.state()["config"].get(SETTING, '{"1":"active"}'))
        return value

    def key_id(self, generation: int) -> str:
        key_id: str = self.state()["keys"][str(generation)]["id"]
        return key_id

    def in_moto(self) -> dict[str, str]:
        """The user's keys in moto's IAM: key id -> Active/Inactive."""
        keys = self.moto.admin("iam").list_access_keys(UserName=self.user)["AccessKeyMetadata"]
        return {key["AccessKeyId"]: key["Status"] for key in keys}

    def held(self) -> str:
        """The access key id the stand-in appliance holds."""
        return self.held_file.read_text()

    def snapshot(self) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
        """What a command may change: moto's keys, the stack's config, the appliance's settings."""
        return self.in_moto(), self.state()["config"], self.appliance.settings()

    def breaches(self) -> str:
        return self.breaches_file.read_text() if self.breaches_file.exists() else ""

    def calls(self) -> list[str]:
        return self.calls_file.read_text().splitlines() if self.calls_file.exists() else []


@pytest.fixture
def rig(tmp_path: Path, moto: tuple[MotoS3, str]) -> Iterator[Rig]:
    """A stack deployed at generation 1 with the appliance configured with its key; afterwards, no secret in any
    output or `pulumi` argument."""
    appliance = FakeAppliance(tmp_path / "appliance", hostname=HOSTNAME)
    with running_sshd(tmp_path / "sshd", appliance) as sshd:
        rig = Rig(tmp_path, *moto, appliance, sshd)
        rig.pulumi("up", "--yes", "--policy-pack", "policies")
        configured = rig.run("configure")
        assert configured.code == 0, configured.err
        assert rig.held() == rig.key_id(1)
        yield rig
        searched = {"stdout/stderr": "\n".join(rig.outputs), "pulumi arguments": "\n".join(rig.calls()),
                    "sshd log": sshd.log.read_text(errors="replace")}  # fmt: skip
        for secret in rig.secrets:
            for where, text in searched.items():
                assert secret not in text, f"a secret key appeared in the {where}"


# --- a whole rotation --------------------------------------------------------------------------------------


def test_a_rotation_moves_the_appliance_to_generation_2_and_deactivates_1(rig: Rig) -> None:
    done = rig.rotate()
    assert done.code == 0, done.err
    assert rig.breaches() == "", f"the appliance held an inactive key at some moment:\n{rig.breaches()}"
    assert rig.setting() == {"1": "inactive", "2": "active"}
    assert rig.in_moto() == {rig.key_id(1): "Inactive", rig.key_id(2): "Active"}, "moto's keys are not 1 off, 2 on"
    assert rig.held() == rig.key_id(2), "the appliance does not hold generation 2's key"
    announced = [m.group(1) for m in map(STEP_STARTED.search, done.err_lines) if m]
    in_order = len(announced) == len(ROTATION) and all(a.startswith(s) for a, s in zip(announced, ROTATION, strict=True))
    assert in_order, f"the steps taken were {announced}"
    assert all("--policy-pack policies" in call for call in rig.calls() if call.startswith("up ")), "an up ran unguarded"
    status = rig.run("status")
    assert status.code == 0, status.err
    assert "Packages settings match the stack" in status.err


def test_finish_deletes_generation_1_and_keeps_the_appliance_on_2(rig: Rig) -> None:
    rig.arrive_at('{"1":"inactive","2":"active"}')
    done = rig.rotate("--finish")
    assert done.code == 0, done.err
    assert rig.setting() == {"2": "active"}
    assert rig.in_moto() == {rig.key_id(2): "Active"}, "generation 1's key is still in moto"
    assert rig.held() == rig.key_id(2)
    assert rig.breaches() == "", rig.breaches()


# --- resuming ----------------------------------------------------------------------------------------------


def test_a_run_killed_after_any_step_resumes_to_the_same_end(rig: Rig) -> None:
    """Killed after step 1, the next run is killed after step 2 (re-verifying first where it must), and so on:
    every state a kill can leave is resumed from, and the last run completes the rotation."""
    for step in ROTATION:
        rig.rotate_killed_after(step)
        assert rig.breaches() == "", f"killed after {step!r}: {rig.breaches()}"
        generations = {rig.key_id(int(n)) for n in rig.state()["keys"]}
        assert rig.in_moto().keys() <= generations, f"killed after {step!r}, moto holds a key no generation has"
    done = rig.rotate()
    assert done.code == 0, done.err
    assert sorted(rig.state()["keys"], key=int) == ["1", "2"], "a generation was added twice"
    assert rig.in_moto() == {rig.key_id(1): "Inactive", rig.key_id(2): "Active"}, "moto holds other keys than 1 and 2"
    assert rig.held() == rig.key_id(2)
    assert rig.breaches() == "", rig.breaches()


def test_a_dry_run_at_every_stage_lists_the_steps_the_next_run_takes_and_changes_nothing(rig: Rig) -> None:
    for stage, step in enumerate(ROTATION):
        before = rig.snapshot()
        dry = rig.rotate("--dry-run")
        assert dry.code == 0, dry.err
        assert rig.snapshot() == before, f"a dry run after {stage} step(s) changed something"
        listed = [line.split(". ", 1)[1] for line in dry.out.splitlines()]
        taken = rig.rotate_killed_after(step)
        assert listed[: len(taken)] == taken, f"after {stage} step(s) the dry run listed {listed}; the run took {taken}"
    dry = rig.rotate("--dry-run")
    assert dry.code == 0, dry.err
    assert [line.split(". ", 1)[1] for line in dry.out.splitlines()] == [], "the last step is done, yet steps are listed"


# --- refusals ----------------------------------------------------------------------------------------------


def test_finish_is_refused_while_generation_1_is_active(rig: Rig) -> None:
    rig.arrive_at('{"1":"active","2":"active"}')
    before = rig.snapshot()
    done = rig.rotate("--finish")
    assert done.code == ExitCode.FAILED and len(done.err_lines) == 1, done.err
    assert "generation 1 is still active" in done.err
    assert rig.snapshot() == before, "a refused --finish changed something"


def test_finish_is_refused_while_the_appliance_holds_the_old_key(rig: Rig) -> None:
    """A backup from before the rotation was restored: the appliance is back on generation 1's key."""
    rig.arrive_at('{"1":"inactive","2":"active"}')
    rig.appliance.set(GheConfigKey.AWS_ACCESS_KEY, rig.key_id(1))
    before = rig.snapshot()
    done = rig.rotate("--finish")
    assert done.code == ExitCode.FAILED and len(done.err_lines) == 1, done.err
    assert "the appliance still reports generation 1's key" in done.err
    assert rig.snapshot() == before, "a refused --finish changed something"


@pytest.mark.parametrize(
    ("value", "mode"),
    [
        ('{"1":"active","2":"active","3":"active"}', ()),
        ('{"1":"active","2":"inactive"}', ("--finish",)),
        ('{"one":"active"}', ("--dry-run",)),
        ("{}", ()),
        ("active", ("--finish",)),
    ],
)
def test_a_bad_access_keys_setting_is_one_line_and_exit_2(rig: Rig, value: str, mode: tuple[str, ...]) -> None:
    rig.pulumi("config", "set", SETTING, value)
    before = rig.snapshot()
    done = rig.rotate(*mode)
    assert done.code == ExitCode.USAGE, done.err
    assert len(done.err_lines) == 1 and SETTING in done.err, done.err
    assert rig.snapshot() == before


# --- the guard before every deploy ----------------------------------------------------------------------


def test_a_stack_file_behind_a_rotation_is_refused_before_it_deletes_the_appliances_key(rig: Rig) -> None:
    """The rotation's pull request is not merged yet: a deploy of main would delete generation 2's key."""
    rig.arrive_at('{"1":"active","2":"active"}')
    assert rig.held() == rig.key_id(2)
    rig.pulumi("config", "set", SETTING, '{"1":"active"}')
    before = rig.snapshot()
    for mode in (("--check-deploy",), ()):
        done = rig.rotate(*mode)
        assert done.code == ExitCode.FAILED and len(done.err_lines) == 1, done.err
        assert "would switch off generation 2's key" in done.err and "which the appliance still holds" in done.err
        assert rig.snapshot() == before, f"rotate {mode} changed something although the deploy was refused"
    assert rig.breaches() == ""


def test_a_deactivation_is_refused_while_the_appliance_holds_the_key(rig: Rig) -> None:
    """Generation 1 marked inactive by hand (or a backup restored) while the appliance is still on its key."""
    rig.arrive_at('{"1":"active","2":"active"}')
    rig.appliance.set(GheConfigKey.AWS_ACCESS_KEY, rig.key_id(1))
    rig.pulumi("config", "set", SETTING, '{"1":"inactive","2":"active"}')
    before = rig.snapshot()
    done = rig.rotate()
    assert done.code == ExitCode.FAILED and "would switch off generation 1's key" in done.err, done.err
    assert rig.snapshot() == before and rig.breaches() == ""


def test_check_deploy_passes_when_the_appliance_keeps_its_key(rig: Rig) -> None:
    rig.pulumi("config", "set", SETTING, '{"1":"active","2":"active"}')
    before = rig.snapshot()
    done = rig.rotate("--check-deploy")
    assert done.code == ExitCode.OK and "leaves the appliance's key active" in done.err, done.err
    assert rig.snapshot() == before
