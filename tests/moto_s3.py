"""A local moto server with IAM enforcement on, for checks that must see S3 answer as AWS does.

The server runs as a subprocess on 127.0.0.1. Set-up (an admin IAM user) happens before enforcement is
switched on; from then on every request, the admin's included, is signed with a key moto issued and
authorized against that key's IAM policies.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

MOTO_SERVER = Path(sys.executable).parent / "moto_server"
REGION = "eu-west-1"
# moto's built-in root credentials: valid only until enforcement is on.
_ROOT = ("testing", "testing")
_ADMIN_POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


@dataclass(frozen=True)
class AccessKey:
    access_key_id: str
    secret_access_key: str


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class MotoS3:
    """A running moto server; `admin(...)` gives clients of an IAM user allowed everything."""

    def __init__(self, url: str):
        self.url = url
        self.admin_key: AccessKey | None = None
        # One session for every client: it loads each service model once.
        self._session = boto3.session.Session(region_name=REGION)
        self._admin_clients: dict[str, Any] = {}

    def client(self, service: str, key: AccessKey) -> Any:
        config = Config(s3={"addressing_style": "path"}, retries={"mode": "standard", "total_max_attempts": 1})
        return self._session.client(
            service,
            endpoint_url=self.url,
            config=config,
            aws_access_key_id=key.access_key_id,
            aws_secret_access_key=key.secret_access_key,
        )

    def admin(self, service: str) -> Any:
        assert self.admin_key is not None, "enforce_iam() first"
        if service not in self._admin_clients:
            self._admin_clients[service] = self.client(service, self.admin_key)
        return self._admin_clients[service]

    def post(self, path: str, body: bytes = b"") -> None:
        # self.url is always http://127.0.0.1:PORT (S310 guards against file: and custom schemes).
        headers = {"Content-Type": "text/plain"}
        request = urllib.request.Request(self.url + path, data=body, method="POST", headers=headers)  # noqa: S310
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            response.read()

    def enforce_iam(self) -> None:
        """Create the admin user with the root credentials, then switch IAM enforcement on for good."""
        iam = self.client("iam", AccessKey(*_ROOT))
        iam.create_user(UserName="moto-admin")
        iam.put_user_policy(UserName="moto-admin", PolicyName="admin", PolicyDocument=json.dumps(_ADMIN_POLICY))
        created = iam.create_access_key(UserName="moto-admin")["AccessKey"]
        self.admin_key = AccessKey(created["AccessKeyId"], created["SecretAccessKey"])
        self.post("/moto-api/reset-auth", b"0")

    def create_bucket(self, name: str, versioned: bool = True) -> None:
        s3 = self.admin("s3")
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
        if versioned:
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})

    def create_user(self, name: str, policy_document: str) -> str:
        """An IAM user with `policy_document` as its inline policy (no key yet); its name."""
        iam = self.admin("iam")
        iam.create_user(UserName=name)
        iam.put_user_policy(UserName=name, PolicyName="packages", PolicyDocument=policy_document)
        return name

    def create_access_key(self, user: str, seed: int | None = None) -> AccessKey:
        """A new access key; with `seed`, moto's random generator is seeded first, so the same seed gives the
        same key id and secret again (how a test makes a key that becomes valid only later)."""
        if seed is not None:
            self.post(f"/moto-api/seed?a={seed}")
        created = self.admin("iam").create_access_key(UserName=user)["AccessKey"]
        return AccessKey(created["AccessKeyId"], created["SecretAccessKey"])

    def delete_access_key(self, user: str, key: AccessKey) -> None:
        self.admin("iam").delete_access_key(UserName=user, AccessKeyId=key.access_key_id)


@contextmanager
def moto_s3() -> Iterator[MotoS3]:
    """Start moto_server on a free port, wait until it answers, enforce IAM; stop it afterwards."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [str(MOTO_SERVER), "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/moto-api/data.json", timeout=1):  # noqa: S310
                    break
            except (urllib.error.URLError, ConnectionError):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto_server did not start on {url}") from None
                time.sleep(0.05)
        server = MotoS3(url)
        server.enforce_iam()
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
