"""A stand-in `pulumi` CLI backed by a moto server: what `rotate` drives, with keys really made in moto's IAM.

It answers the four calls rotate makes (`config get`, `config set`, `up`, `stack output --json
--show-secrets`) for one stack whose state is a JSON file (FAKE_PULUMI_STATE): the config, the keys each
generation got, and the outputs. `up` reconciles moto's IAM with the `accessKeys` setting as the real
program would (create a generation's key, set its status, delete a removed generation's key) and logs the
policy-pack flag it was given. Before and after every call it checks the invariant a rotation must keep:
the key the appliance holds (the file FAKE_APPLIANCE_KEY_FILE, the stand-in appliance's
`secrets.packages.aws-access-key`) is active in moto; a breach is appended to
FAKE_PULUMI_BREACHES. Every call's arguments are appended to FAKE_PULUMI_CALLS.

Run as `python fake_pulumi_moto.py ARGS...` through a `pulumi` wrapper on PATH (tests/helpers.py,
`fake_pulumi_moto`). Each call is a fresh process, as the real CLI's are, so it stays cheap: the invariant
is read with one signed request, boto3 is loaded only by `up`, and the project (which loads jinja2) not at all.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.parse
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

SETTING = "ghes-packages:accessKeys"
DEFAULT = '{"1":"active"}'


def _iam(state: dict[str, Any]) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "iam",
        endpoint_url=state["moto_url"],
        region_name=state["outputs"]["region"],
        aws_access_key_id=state["admin"][0],
        aws_secret_access_key=state["admin"][1],
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
    )


def key_statuses(state: dict[str, Any]) -> dict[str, str]:
    """Every access key of the stack's user in moto's IAM, key id -> Active/Inactive (ListAccessKeys).

    botocore signs the request, but no client is made: loading IAM's service model would double the cost of
    each of the many calls a rotation makes.
    """
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    from botocore.httpsession import URLLib3Session

    body = urllib.parse.urlencode({"Action": "ListAccessKeys", "UserName": state["user"], "Version": "2010-05-08"})
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    request = AWSRequest("POST", state["moto_url"] + "/", data=body, headers=headers)
    SigV4Auth(Credentials(*state["admin"]), "iam", state["outputs"]["region"]).add_auth(request)
    response = URLLib3Session().send(request.prepare())
    if response.status_code != 200:
        sys.exit(f"fake pulumi: moto's ListAccessKeys answered {response.status_code}: {response.text}")
    tree = ElementTree.fromstring(response.content)  # noqa: S314 - moto on 127.0.0.1, started by the test
    members = ({c.tag.rsplit("}", 1)[-1]: c.text or "" for c in m} for m in tree.iter() if m.tag.endswith("member"))
    return {m["AccessKeyId"]: m["Status"] for m in members if "AccessKeyId" in m}


def _check_invariant(state: dict[str, Any], moment: str) -> None:
    held_file = Path(os.environ["FAKE_APPLIANCE_KEY_FILE"])
    if not held_file.exists():
        return
    held = held_file.read_text()
    status = key_statuses(state)
    if status.get(held) != "Active":
        with open(os.environ["FAKE_PULUMI_BREACHES"], "a") as log:
            log.write(f"{moment}: the appliance holds {held}, which is {status.get(held, 'deleted')} in IAM\n")


def _save(path: Path, state: dict[str, Any]) -> None:
    # Whole or not at all: a run killed mid-write must not leave a torn state (Pulumi's own writes are atomic).
    temporary = path.with_name(path.name + f".{os.getpid()}")
    temporary.write_text(json.dumps(state))
    temporary.chmod(0o600)
    os.replace(temporary, path)


def _up(state: dict[str, Any], args: list[str]) -> None:
    if "--policy-pack" not in args:
        sys.exit("fake pulumi: up without --policy-pack")
    iam = _iam(state)
    wanted = json.loads(state["config"].get(SETTING, DEFAULT))
    keys: dict[str, dict[str, str]] = state["keys"]
    for number, status in sorted(wanted.items(), key=lambda item: int(item[0])):
        if number not in keys:
            made = iam.create_access_key(UserName=state["user"])["AccessKey"]
            keys[number] = {
                "id": made["AccessKeyId"],
                "secret": made["SecretAccessKey"],
                "made": made["CreateDate"].isoformat(),
            }
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
        _save(path, state)
    elif args[0] == "up":
        _up(state, args)
        _save(path, state)
    elif args[:2] == ["stack", "output"]:
        print(json.dumps(state["outputs"]))
    else:
        print(f"fake pulumi: unsupported call {args}", file=sys.stderr)
        code = 2
    _check_invariant(state, f"after `pulumi {' '.join(args[:2])}`")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
