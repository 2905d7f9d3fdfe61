"""What AWS and DNS accept as names: bucket names, host names, IAM names and paths, ARN shapes, tags.

Settings validation and the CrossGuard rules both read names with these rules, so they cannot disagree.
These patterns read ARNs; the program never builds one (it takes them from the provider's outputs). Every
pattern is matched whole (fullmatch, re.ASCII): `$` alone would accept a trailing newline, `\\d` and `\\w`
alone would accept non-ASCII digits and letters. A value echoed in a message goes through json.dumps, so
the message stays one printable line whatever the value holds. Regions and partitions: regions.py.
"""

from __future__ import annotations

import ipaddress
import json
import re
import unicodedata
from collections.abc import Iterable

from .errors import shown
from .regions import PARTITION_PATTERN, supported_partition

BUCKET = r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]"
_BUCKET = re.compile(BUCKET, re.ASCII)
_BUCKET_BAD_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_BUCKET_BAD_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")

_ACCOUNT = "[0-9]{12}"
_KMS_KEY_ID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32}"
KMS_KEY_ARN = re.compile(
    rf"arn:(?P<partition>{PARTITION_PATTERN}):kms:(?P<region>[a-z0-9-]+):{_ACCOUNT}:key/(?:{_KMS_KEY_ID})", re.ASCII
)
"""A KMS key ARN (never an alias) in a supported partition; use fullmatch."""
_KEY_ID = re.compile(_KMS_KEY_ID, re.ASCII)
KMS_KEY_SHAPE = "arn:PARTITION:kms:REGION:ACCOUNT:key/KEY-ID"

# IAM (CreateUser, CreatePolicy): names of letters, digits and + = , . @ _ -; paths of printable ASCII.
_IAM_NAME = re.compile(r"[\w+=,.@-]+", re.ASCII)
_IAM_PATH = re.compile(r"/(?:[\x21-\x7e]*/)?", re.ASCII)
MAX_USER_NAME, MAX_POLICY_NAME, MAX_IAM_PATH = 64, 128, 512
POLICY_SHAPE = "arn:PARTITION:iam::ACCOUNT:policy/[PATH/]NAME"

_DNS_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", re.ASCII)
# S3 and IAM tags: Unicode letters, digits and spaces (\p{L}\p{Z}\p{N}) and these.
_TAG_PUNCTUATION = frozenset("_.:/=+-@")
MAX_TAGS = 50  # S3 and IAM both allow at most 50 user tags on a bucket or user


def bucket_name_problem(name: str) -> str | None:
    """Why `name` is not a valid S3 general-purpose bucket name, or None if it is."""
    if not 3 <= len(name) <= 63:
        return f"must be 3 to 63 characters long (got {len(name)})"
    if not _BUCKET.fullmatch(name):
        return "may hold only lowercase letters, digits, dots and hyphens, and must begin and end with a letter or digit"
    if ".." in name:
        return "must not contain two adjacent dots"
    if ".-" in name or "-." in name:
        return "must not have a dot next to a hyphen"
    try:
        ipaddress.IPv4Address(name)
        return "must not be formatted as an IP address"
    except ValueError:
        pass
    for prefix in _BUCKET_BAD_PREFIXES:
        if name.startswith(prefix):
            return f"must not start with the reserved prefix '{prefix}'"
    for suffix in _BUCKET_BAD_SUFFIXES:
        if name.endswith(suffix):
            return f"must not end with the reserved suffix '{suffix}'"
    return None


def hostname_problem(name: str) -> str | None:
    """Why `name` is not a bare DNS host name (no scheme, port or path), or None if it is."""
    if "://" in name or "/" in name:
        return "must be the appliance's DNS name only, without scheme or path (e.g. ghes.example.com)"
    if ":" in name:
        return "must be the appliance's DNS name only, without a port (e.g. ghes.example.com)"
    # isascii first: str.lower() turns some non-ASCII letters (the Kelvin sign) into ASCII ones.
    labels = name.lower().split(".")
    if not name.isascii() or len(name) > 253 or not all(_DNS_LABEL.fullmatch(label) for label in labels):
        return (
            "must be a DNS name: dot-separated labels of ASCII letters, digits and inner hyphens, 1 to 63 characters "
            f"each, at most 253 in all (e.g. ghes.example.com; got {shown(name)})"
        )
    return None


def iam_user_name_problem(name: str) -> str | None:
    """Why IAM would refuse `name` as a user name, or None if it accepts it."""
    if len(name) > MAX_USER_NAME:
        return f"is {len(name)} characters long; IAM allows at most {MAX_USER_NAME}"
    if not _IAM_NAME.fullmatch(name):
        return "may hold only ASCII letters, digits and + = , . @ _ -"
    return None


def iam_path_problem(path: str) -> str | None:
    """Why IAM would refuse `path` as a user's or policy's path, or None if it accepts it."""
    if not _IAM_PATH.fullmatch(path) or "//" in path or len(path) > MAX_IAM_PATH:
        return (
            f"must be / or start and end with /, without //, in printable ASCII (no spaces), at most {MAX_IAM_PATH} "
            f"characters, e.g. /ghes/ (got {shown(path)})"
        )
    return None


def _arn_parts(arn: str) -> list[str] | None:
    """arn, partition, service, region, account, resource; None if `arn` has not that shape."""
    parts = arn.split(":", 5)
    return parts if len(parts) == 6 and parts[0] == "arn" else None


def _partition_problem(arn_partition: str, region: str | None) -> str | None:
    if region is None:  # the region is invalid (and reported): nothing to compare with
        return None
    expected = supported_partition(region).name
    if arn_partition != expected:
        got = json.dumps(arn_partition)
        return f"must be in the bucket's partition {expected}, as the region {region} is (got partition {got})"
    return None


def kms_key_arn_problem(arn: str, region: str | None) -> str | None:
    """Why `arn` is not a KMS key that can encrypt a bucket in `region` (None: unknown, skip), or None if it is."""
    parts = _arn_parts(arn)
    if parts is None or parts[2] != "kms":
        return f"must be a KMS key ARN, {KMS_KEY_SHAPE} (got {shown(arn)})"
    _, partition, _, key_region, account, resource = parts
    if why := _partition_problem(partition, region):
        return why
    if region is not None and key_region != region:
        return f"must be a key in the bucket's region {region} (got {shown(key_region)})"
    if not re.fullmatch(_ACCOUNT, account, re.ASCII):
        return f"has the account id {shown(account)}; an AWS account id is 12 digits"
    kind, _, key_id = resource.partition("/")
    if kind != "key":
        return f"must name a key ({KMS_KEY_SHAPE}), not {shown(kind)}: give the ARN of the key an alias points to"
    if not _KEY_ID.fullmatch(key_id):
        return f"has the key id {shown(key_id)}; a KMS key id is a lowercase UUID or mrk- and 32 hex digits"
    if not KMS_KEY_ARN.fullmatch(arn):
        return f"must be a KMS key ARN, {KMS_KEY_SHAPE} (got {shown(arn)})"
    return None


def policy_arn_problem(arn: str, region: str | None) -> str | None:
    """Why `arn` is not an IAM managed policy usable in `region`'s partition (None: unknown, skip), or None if it is."""
    parts = _arn_parts(arn)
    if parts is None or parts[2] != "iam" or parts[3] or not parts[5].startswith("policy/"):
        return f"must be an IAM policy ARN, {POLICY_SHAPE} (got {shown(arn)})"
    _, partition, _, _, account, resource = parts
    if not re.fullmatch(PARTITION_PATTERN, partition):
        return f"is in the partition {shown(partition)}, which is not supported (must be {POLICY_SHAPE})"
    if why := _partition_problem(partition, region):
        return why
    if account != "aws" and not re.fullmatch(_ACCOUNT, account, re.ASCII):
        return f"has the account id {shown(account)}; an AWS account id is 12 digits (or aws, for AWS managed policies)"
    path, _, name = resource.removeprefix("policy").rpartition("/")
    if why := iam_path_problem(f"{path}/"):
        return f"has a policy path that IAM refuses: it {why}"
    if not 1 <= len(name) <= MAX_POLICY_NAME or not _IAM_NAME.fullmatch(name):
        return (
            f"has the policy name {shown(name)}; IAM allows 1 to {MAX_POLICY_NAME} ASCII letters, digits and "
            "+ = , . @ _ -"
        )
    return None


def _tag_text_ok(text: str) -> bool:
    return all(ch.isalnum() or unicodedata.category(ch).startswith("Z") or ch in _TAG_PUNCTUATION for ch in text)


def tag_problem(key: str, value: str) -> str | None:
    """Why S3 or IAM would refuse the tag `key`=`value`, or None if both accept it."""
    quoted = shown(key)
    if not 1 <= len(key) <= 128 or key.lower().startswith("aws:"):
        return f"tag key {quoted} must be 1 to 128 characters and must not start with 'aws:'"
    if len(value) > 256:
        return f"tag {quoted} has a value longer than 256 characters"
    if not (_tag_text_ok(key) and _tag_text_ok(value)):
        return f"tag {quoted} may hold only letters, digits, spaces and _ . : / = + - @"
    return None


def tag_keys_problem(keys: Iterable[str]) -> str | None:
    """Why IAM would refuse these tag keys together, or None: IAM compares tag keys ignoring case."""
    seen: dict[str, list[str]] = {}
    for key in keys:
        seen.setdefault(key.casefold(), []).append(key)
    clashes = [" and ".join(json.dumps(k) for k in group) for group in seen.values() if len(group) > 1]
    if clashes:
        return f"tag keys {'; '.join(clashes)} differ only in case, and IAM treats them as one key: keep one"
    return None
