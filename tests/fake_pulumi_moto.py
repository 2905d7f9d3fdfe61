"""A stand-in `pulumi` CLI backed by a moto server: what `rotate` drives, with keys really made in moto's IAM.

It answers the four calls rotate makes (`config get`, `config set`, `up`, `stack output --json
--show-secrets`) for one stack whose state is a JSON file (FAKE_PULUMI_STATE): the config, the keys each
generation got, and the outputs. `up` reconciles moto's IAM with the `accessKeys` setting as the real
program would (create a generation's key, set its status, delete a removed generation's key) and logs the
policy-pack flag it was given. Before and after every call it checks the invariant a rotation must keep:
the key the appliance holds (FAKE_APPLIANCE_STATE's settings) is active in moto; a breach is appended to
FAKE_PULUMI_BREACHES.

Run as `python fake_pulumi_moto.py ARGS...` through a `pulumi` wrapper on PATH (see tests/helpers.py).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from ghes_packages.appliance.ghe_config import GheConfigKey

SETTING = "ghes-packages:accessKeys"
DEFAULT = '{"1":"active"}'
APPLIANCE_KEY = GheConfigKey.AWS_ACCESS_KEY.value


def _iam(state: dict[str, Any]) -> Any:
    return boto3.client(
        "iam",
        endpoint_url=state["moto_url"],
        region_name=state["outputs"]["region"],
        aws_access_key_id=state["admin"][0],
        aws_secret_access_key=state["admin"][1],
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
    )


def _check_invariant(state: dict[str, Any], moment: str) -> None:
    held_file = Path(os.environ["FAKE_APPLIANCE_STATE"]) / "settings" / APPLIANCE_KEY
    if not held_file.exists():
        return
    held = held_file.read_text()
    keys = _iam(state).list_access_keys(UserName=state["user"])["AccessKeyMetadata"]
    status = {k["AccessKeyId"]: k["Status"] for k in keys}
    if status.get(held) != "Active":
        with open(os.environ["FAKE_PULUMI_BREACHES"], "a") as log:
            log.write(f"{moment}: the appliance holds {held}, which is {status.get(held, 'deleted')} in IAM\n")


def _up(state: dict[str, Any], args: list[str]) -> None:
    if "--policy-pack" not in args:
        sys.exit("fake pulumi: up without --policy-pack")
    iam = _iam(state)
    wanted = json.loads(state["config"].get(SETTING, DEFAULT))
    keys: dict[str, dict[str, str]] = state["keys"]
    for number, status in sorted(wanted.items(), key=lambda item: int(item[0])):
        if number not in keys:
            made = iam.create_access_key(UserName=state["user"])["AccessKey"]
            keys[number] = {"id": made["AccessKeyId"], "secret": made["SecretAccessKey"], "made": str(made["CreateDate"])}
        iam.update_access_key(UserName=state["user"], AccessKeyId=keys[number]["id"], Status=status.capitalize())
    for number in [n for n in keys if n not in wanted]:
        iam.delete_access_key(UserName=state["user"], AccessKeyId=keys.pop(number)["id"])
    newest = max(wanted, key=int)
    state["outputs"].update(
        accessKeyId=keys[newest]["id"],
        secretAccessKey=keys[newest]["secret"],
        accessKeyGeneration=int(newest),
        accessKeys={
            n: {"accessKeyId": keys[n]["id"], "status": wanted[n], "createDate": keys[n]["made"]} for n in sorted(wanted)
        },
    )
    state["ups"] = state.get("ups", 0) + 1


def main(args: list[str]) -> int:
    path = Path(os.environ["FAKE_PULUMI_STATE"])
    state = json.loads(path.read_text())
    with open(os.environ["FAKE_PULUMI_CALLS"], "a") as log:
        log.write(" ".join(args) + "\n")
    _check_invariant(state, f"before `pulumi {' '.join(args[:2])}`")
    code = 0
    if args[:2] == ["config", "get"]:
        value = state["config"].get(args[2])
        if value is None:
            print(f"error: configuration key '{args[2]}' not found for stack", file=sys.stderr)
            code = 255
        else:
            print(value)
    elif args[:2] == ["config", "set"]:
        state["config"][args[2]] = args[3]
    elif args[0] == "up":
        _up(state, args)
    elif args[:2] == ["stack", "output"]:
        print(json.dumps(state["outputs"]))
    else:
        print(f"fake pulumi: unsupported call {args}", file=sys.stderr)
        code = 2
    path.write_text(json.dumps(state))
    _check_invariant(state, f"after `pulumi {' '.join(args[:2])}`")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
