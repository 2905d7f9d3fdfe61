"""What AWS and DNS accept as names: regions and their partitions, bucket names, ARN shapes, tags.

Settings validation and the CrossGuard rules both read names with these rules, so they cannot disagree.
These patterns read ARNs; the program never builds one (it takes them from the provider's outputs).
"""

from __future__ import annotations

import ipaddress
import re

# Region prefix -> (partition, S3 DNS suffix). ISO partitions are not supported: their endpoints differ.
_PARTITIONS = {"cn-": ("aws-cn", "amazonaws.com.cn"), "us-gov-": ("aws-us-gov", "amazonaws.com")}
_COMMERCIAL = ("aws", "amazonaws.com")
REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d{1,2}$")
PARTITION = r"aws(-cn|-us-gov)?"

BUCKET = r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]"
_BUCKET = re.compile(rf"^{BUCKET}$")
_BUCKET_BAD_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_BUCKET_BAD_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")

KMS_KEY_ARN = re.compile(
    rf"^arn:(?P<partition>{PARTITION}):kms:(?P<region>[a-z0-9-]+):\d{{12}}:key/([0-9a-f-]{{36}}|mrk-[0-9a-f]{{32}})$"
)
POLICY_ARN = re.compile(rf"^arn:(?P<partition>{PARTITION}):iam::(\d{{12}}|aws):policy/[\w+=,.@/-]{{1,512}}$")

_DNS_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
# S3 and IAM: letters, digits and white space in UTF-8, and _ . : / = + - @.
_TAG_TEXT = re.compile(r"^[\w\s.:/=+\-@]*$")
MAX_TAGS = 50  # S3 and IAM both allow at most 50 user tags on a bucket or user


def partition_of(region: str) -> str:
    """The AWS partition a region belongs to."""
    return next((p for prefix, (p, _) in _PARTITIONS.items() if region.startswith(prefix)), _COMMERCIAL[0])


def dns_suffix_of(region: str) -> str:
    """The DNS suffix of S3 endpoints in a region's partition."""
    return next((s for prefix, (_, s) in _PARTITIONS.items() if region.startswith(prefix)), _COMMERCIAL[1])


def bucket_name_problem(name: str) -> str | None:
    """Why `name` is not a valid S3 general-purpose bucket name, or None if it is."""
    if not 3 <= len(name) <= 63:
        return f"must be 3 to 63 characters long (got {len(name)})"
    if not _BUCKET.match(name):
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
    if len(name) > 253 or not all(_DNS_LABEL.match(label) for label in name.lower().split(".")):
        return "must be a DNS name: dot-separated labels of letters, digits and inner hyphens (e.g. ghes.example.com)"
    return None


def tag_problem(key: str, value: str) -> str | None:
    """Why S3 or IAM would refuse the tag `key`=`value`, or None if both accept it."""
    if not 1 <= len(key) <= 128 or key.lower().startswith("aws:"):
        return f"tag key '{key}' must be 1 to 128 characters and must not start with 'aws:'"
    if len(value) > 256:
        return f"tag '{key}' has a value longer than 256 characters"
    if not (_TAG_TEXT.match(key) and _TAG_TEXT.match(value)):
        return f"tag '{key}' may hold only letters, digits, spaces and _ . : / = + - @"
    return None
