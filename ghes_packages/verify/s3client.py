"""An S3 client that signs with the stack's access key and nothing else from the caller's machine.

`verify` must see the service exactly as the appliance will: with the stack's access key, against the
stack's service URL and region. botocore (which boto3 wraps) normally fills gaps from the environment
(AWS_PROFILE, AWS_ACCESS_KEY_ID, AWS_ENDPOINT_URL, AWS_USE_FIPS_ENDPOINT, ...), from ~/.aws/config and
~/.aws/models; a stray value there would make the check prove something about the operator's
credentials or endpoint instead. So every session variable is resolved from its built-in default only,
the config and credentials files are /dev/null, service models come from botocore's own data only, and
the credentials, region and endpoint are passed explicitly.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import botocore.session
from botocore.config import Config
from botocore.loaders import Loader

# Hosts under these DNS suffixes are AWS S3 endpoints; anything else (MinIO, moto) gets path-style URLs,
# because an S3-compatible server rarely has a DNS name per bucket.
AWS_DNS_SUFFIXES = ("amazonaws.com", "amazonaws.com.cn")
# Fail fast on an unreachable endpoint; a pipeline step should not hang for minutes.
CONNECT_TIMEOUT_SECONDS = 5
READ_TIMEOUT_SECONDS = 30
# botocore's "standard" mode retries throttling, 5xx and connection errors; 3 attempts in all.
MAX_ATTEMPTS = 3
_FILES_NOT_READ = ("config_file", "credentials_file")


@dataclass(frozen=True)
class S3Endpoint:
    """Where and as whom to talk S3: the stack's outputs, nothing from the environment."""

    service_url: str
    region: str
    access_key_id: str
    secret_access_key: str = field(repr=False)
    ca_bundle: str | None = None
    """A PEM file of CA certificates for a service URL with a private CA (MinIO); None = botocore's bundle."""


def is_aws_endpoint(service_url: str) -> bool:
    """Whether the service URL's host is an AWS S3 endpoint (so virtual-hosted-style addressing works)."""
    host = (urlsplit(service_url).hostname or "").lower()
    return any(host == suffix or host.endswith(f".{suffix}") for suffix in AWS_DNS_SUFFIXES)


@functools.cache
def _builtin_models() -> Loader:
    # Loading the S3 model takes a good part of a second; one process needs it once.
    return Loader(extra_search_paths=[Loader.BUILTIN_DATA_PATH], include_default_search_paths=False)


def isolated_botocore_session() -> botocore.session.Session:
    """A botocore session that reads no environment variable, no AWS config or credentials file, no ~/.aws/models."""
    variables: dict[str, tuple[Any, Any, Any, Any]] = {}
    for name, (_config_name, _env_vars, default, convert) in botocore.session.Session.SESSION_VARIABLES.items():
        variables[name] = (None, None, os.devnull if name in _FILES_NOT_READ else default, convert)
    session = botocore.session.Session(session_vars=variables)
    session.register_component("data_loader", _builtin_models())
    return session


def client_config(service_url: str) -> Config:
    """The botocore client configuration for a service URL; every setting explicit, none from the environment."""
    return Config(
        s3={"addressing_style": "auto" if is_aws_endpoint(service_url) else "path"},
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
        retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
        # S3-compatible servers (older MinIO) reject the aws-chunked checksum trailers botocore would add.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        use_fips_endpoint=False,
        use_dualstack_endpoint=False,
    )


class RequestCounter:
    """Counts the HTTP requests a client sends, retries included (a botocore `before-send` handler)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, **_: Any) -> None:
        self.count += 1


def make_client(endpoint: S3Endpoint, counter: RequestCounter | None = None) -> Any:
    """An S3 client for `endpoint`; `counter`, if given, counts every request it sends."""
    client = isolated_botocore_session().create_client(
        "s3",
        region_name=endpoint.region,
        aws_access_key_id=endpoint.access_key_id,
        aws_secret_access_key=endpoint.secret_access_key,
        aws_session_token=None,
        endpoint_url=endpoint.service_url,
        config=client_config(endpoint.service_url),
        verify=endpoint.ca_bundle if endpoint.ca_bundle else True,
    )
    if counter is not None:
        client.meta.events.register("before-send.s3", counter)
    return client
