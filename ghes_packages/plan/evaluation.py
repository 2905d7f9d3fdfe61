"""Evaluate the real Pulumi program in Pulumi's own mock runtime: no CLI, no credentials, no network.

The mocks stand in for the AWS and MinIO providers only where the program reads a provider-computed output
(names from auto-naming, ARNs, the access keys); everything the program declares is recorded as declared,
including the resource options (protect, retain_on_delete, ...) that the stock mocks do not expose, and
every warning the program logs (what `pulumi up` would show).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import runpy
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime.settings import get_root_resource, reset_options
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from ghes_packages import resource_types
from ghes_packages.project import PROGRAM, PROJECT, REGION_KEY
from ghes_packages.regions import partition_of

from .mock_runtime import lean_mock_runtime

MOCK_ACCOUNT = "123456789012"
# What the MinIO provider reads back as a bucket's ARN (its resource prefix, whatever the server's region).
MINIO_ARN_PREFIX = "arn:aws:s3:::"
MINIO_UNIQUE_SUFFIX = 26  # digits the provider appends to a bucket_prefix
MOCK_CREATE_DATE = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
"""When the mock provider says a key was made: now, as IAM writes it, so a fresh key is never too old."""


def _digest(*parts: str, length: int) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


def _whole_numbers(value: Any) -> Any:
    """The value with integral floats as ints: the wire format carries every number as a double."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _whole_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_whole_numbers(v) for v in value]
    return value


def mock_secret_access_key(stack: str, name: str) -> str:
    """The secret the mock provider issues for an access key: deterministic, so tests can search for it."""
    return "mockSecret" + _digest("secret", stack, name, length=30)


@dataclass(frozen=True)
class DeclaredResource:
    """A resource as the program declared it, with the mock provider's state."""

    type: str
    name: str
    parent_type: str | None
    inputs: dict[str, Any]
    state: dict[str, Any]
    protect: bool
    retain_on_delete: bool
    additional_secret_outputs: tuple[str, ...]
    dependencies: tuple[str, ...]
    urn: str = ""
    aliases: tuple[str, ...] = ()
    """The URNs this resource answers to besides its own (the engine moves state from them, no replacement)."""


@dataclass
class Evaluation:
    """What one evaluation of the program declared and exported."""

    stack: str
    resources: list[DeclaredResource] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    secret_outputs: set[str] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)

    def of_type(self, type_: str) -> list[DeclaredResource]:
        """Every declared resource of a Pulumi type token."""
        return [r for r in self.resources if r.type == type_]

    def one(self, type_: str) -> DeclaredResource:
        """The single declared resource of a type; an AssertionError names the type otherwise."""
        found = self.of_type(type_)
        if len(found) != 1:
            raise AssertionError(f"expected exactly one {type_}, found {len(found)}")
        return found[0]


class _ProviderStandIn(pulumi.runtime.Mocks):
    """Computes the few outputs AWS would: auto-names, ARNs, key ids and secrets."""

    def __init__(self, stack: str, region: str):
        self.stack, self.region = stack, region
        # An invalid region stops the program at its settings, before any ARN is asked for.
        partition = partition_of(region) if region else None
        self.partition = partition.name if partition else "aws"

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
        state = dict(args.inputs)
        suffix = _digest(self.stack, args.name, length=7)
        if args.typ in resource_types.BUCKETS:
            bucket = state.get("bucket") or f"{args.name}-{suffix}"
            state.update(bucket=bucket, arn=f"arn:{self.partition}:s3:::{bucket}", region=self.region)
            return bucket, state
        if args.typ == resource_types.USER:
            user = state.get("name") or f"{args.name}-{suffix}"
            path = state.get("path") or "/"
            state.update(name=user, arn=f"arn:{self.partition}:iam::{MOCK_ACCOUNT}:user{path}{user}")
            return user, state
        if args.typ == resource_types.ACCESS_KEY:
            key_id = "AKIA" + _digest("id", self.stack, args.name, length=16).upper()
            state.update(
                secret=mock_secret_access_key(self.stack, args.name),
                status=state.get("status") or "Active",
                createDate=MOCK_CREATE_DATE,
            )
            return key_id, state
        return self._minio(args.typ, args.name, state) or (f"{args.name}-{suffix}", state)

    def _minio(self, typ: str, name: str, state: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
        """What the MinIO provider computes: bucket names from a prefix, auto-names, service account keys."""
        if typ == resource_types.MINIO_BUCKET:
            unique = str(int(_digest(self.stack, name, length=24), 16))[:MINIO_UNIQUE_SUFFIX].zfill(MINIO_UNIQUE_SUFFIX)
            bucket = state.get("bucket") or f"{state.get('bucketPrefix', 'terraform-')}{unique}"
            state.update(bucket=bucket, arn=f"{MINIO_ARN_PREFIX}{bucket}")
            state.setdefault("acl", "private")
            return bucket, state
        if typ in (resource_types.MINIO_USER, resource_types.MINIO_POLICY):
            state.setdefault("name", f"{name}-{_digest(self.stack, name, length=7)}")
            if typ == resource_types.MINIO_USER:
                state.update(secret=mock_secret_access_key(self.stack, name), status="enabled")
            return state["name"], state
        if typ == resource_types.MINIO_SERVICE_ACCOUNT:
            access_key = _digest("id", self.stack, name, length=20).upper()
            state.update({"accessKey": access_key, "secretKey": mock_secret_access_key(self.stack, name), "status": "on"})
            return access_key, state
        return None

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        return {}, None


def _alias_urns(request: Any, urn: str) -> list[str]:
    """The URN each alias of a registration claims, computed as the engine does from an alias spec.

    A spec's empty fields keep the resource's own: name, type, stack, project and parent (unless it names
    another parent, or none). The engine moves the state of a claimed URN to the resource: no replacement.
    """
    head, _, name = urn.rpartition("::")
    prefix, _, qualified = head.rpartition("::")  # urn:pulumi:STACK::PROJECT, PARENT$TYPE
    _, _, stack_project = prefix.partition("urn:pulumi:")
    stack, _, project = stack_project.partition("::")
    parents, _, own_type = qualified.rpartition("$")
    claimed = []
    for alias in request.aliases:
        if alias.HasField("urn"):
            claimed.append(alias.urn)
            continue
        spec = alias.spec
        chain = parents
        if spec.noParent:
            chain = ""
        elif spec.parentUrn:
            chain = spec.parentUrn.split("::")[-2]
        alias_type = spec.type or own_type
        qualified_type = f"{chain}${alias_type}" if chain else alias_type
        claimed.append(
            f"urn:pulumi:{spec.stack or stack}::{spec.project or project}::{qualified_type}::{spec.name or name}"
        )
    return claimed


class _RecordingMonitor(pulumi_mocks.MockMonitor):
    """The stock mock monitor, also keeping each registration's resource options."""

    def __init__(self, mocks: pulumi.runtime.Mocks, evaluation: Evaluation):
        super().__init__(mocks)
        self.evaluation = evaluation

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type != "pulumi:pulumi:Stack":
            parent = request.parent.split("::")[-2].split("$")[-1] if request.parent.count("::") >= 3 else None
            registered = self.resources.get(response.urn)
            self.evaluation.resources.append(
                DeclaredResource(
                    type=request.type,
                    name=request.name,
                    parent_type=None if parent == "pulumi:pulumi:Stack" else parent,
                    inputs=_whole_numbers(rpc.deserialize_properties(request.object)),
                    state=dict(registered.state) if registered else {},
                    protect=bool(request.protect),
                    retain_on_delete=bool(request.retainOnDelete),
                    additional_secret_outputs=tuple(request.additionalSecretOutputs),
                    dependencies=tuple(request.dependencies),
                    urn=response.urn,
                    aliases=tuple(_alias_urns(request, response.urn)),
                )
            )
        return response


class _WarningRecorder(logging.Handler):
    """Keeps what the program logs at warning level or above (the mock engine's log goes to a logger)."""

    def __init__(self, into: list[str]):
        super().__init__(logging.WARNING)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        self.into.append(record.getMessage())


def evaluate(
    config: Mapping[str, str],
    stack: str,
    program: Path = PROGRAM,
    into: Evaluation | None = None,
    secret_keys: Collection[str] = (),
) -> Evaluation:
    """Run `program` for `stack` with `config` in the mock runtime; return what it declared and exported.

    :param config: the stack's configuration, full `namespace:key` keys, string values (as the engine passes them).
    :param stack: the stack's name.
    :param program: the Pulumi program to run.
    :param into: record into this Evaluation, so a caller can see what was declared even when the run fails.
    :param secret_keys: the keys the stack holds as secrets (`secure:` values).
    :raises settings.SettingsError: when the configuration is invalid (before any resource is declared).
    """
    evaluation = into if into is not None else Evaluation(stack=stack)
    region = config.get(REGION_KEY, "")
    mocks = _ProviderStandIn(stack, region if isinstance(region, str) else "")
    asyncio.set_event_loop(asyncio.new_event_loop())
    reset_options(project=PROJECT, stack=stack, preview=False)
    pulumi.runtime.set_all_config({k: str(v) for k, v in config.items()}, list(secret_keys))
    logger = logging.Logger(f"{PROJECT}.plan.{stack}")
    logger.addHandler(_WarningRecorder(evaluation.warnings))
    monitor = _RecordingMonitor(mocks, evaluation)
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack, preview=False, logger=logger, monitor=monitor)

    async def collect() -> None:
        root = get_root_resource()
        exported: dict[str, Any] = dict(getattr(root, "outputs", {}))
        for name, value in exported.items():
            output = pulumi.Output.from_input(value)
            evaluation.outputs[name] = await output.future()
            if await output.is_secret():
                evaluation.secret_outputs.add(name)

    def body() -> None:
        runpy.run_path(str(program), run_name="__main__")

    try:
        with lean_mock_runtime():
            _sync_await(run_pulumi_func(body))
            _sync_await(collect())
    finally:
        asyncio.get_event_loop().close()
    return evaluation
