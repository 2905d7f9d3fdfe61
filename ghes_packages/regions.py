"""AWS partitions and regions, as the installed botocore ships them (botocore/data/endpoints.json).

No region is written here: a region AWS adds reaches the project with a botocore upgrade (`uv lock
--upgrade-package botocore`). The data is read as JSON, without importing botocore, whose modules take
longer to load than the whole offline plan may spend on settings.
"""

from __future__ import annotations

import difflib
import importlib.util
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .errors import shown

SUPPORTED_PARTITIONS = ("aws", "aws-cn", "aws-us-gov")
"""The partitions whose S3 endpoint is `https://s3.REGION.DNS-SUFFIX`, as GHES's service URL wants it.
The ISO partitions (and others botocore knows) are not supported: their endpoints and IAM differ."""

PARTITION_PATTERN = "(?:" + "|".join(re.escape(p) for p in SUPPORTED_PARTITIONS) + ")"
"""A regex matching exactly the supported partition names, for reading ARNs."""

_BOTOCORE = "botocore"
_ENDPOINTS = ("data", "endpoints.json")


@dataclass(frozen=True)
class Partition:
    """One AWS partition: its name, the DNS suffix of its endpoints and the regions botocore knows in it."""

    name: str
    dns_suffix: str
    regions: frozenset[str]
    region_pattern: re.Pattern[str]
    """What botocore expects this partition's region names to look like (use fullmatch)."""

    @property
    def supported(self) -> bool:
        return self.name in SUPPORTED_PARTITIONS


def _anchored(pattern: str) -> re.Pattern[str]:
    # botocore writes `^...$` for JavaScript-like engines; in Python `$` also matches before a final newline.
    return re.compile(pattern.removeprefix("^").removesuffix("$"), re.ASCII)


@cache
def partitions() -> tuple[Partition, ...]:
    """Every partition in the installed botocore's endpoints data, in its order."""
    spec = importlib.util.find_spec(_BOTOCORE)
    if spec is None or spec.origin is None:
        raise RuntimeError(f"{_BOTOCORE} is not installed: run `make setup`")
    data = json.loads(Path(spec.origin).parent.joinpath(*_ENDPOINTS).read_bytes())
    return tuple(
        Partition(p["partition"], p["dnsSuffix"], frozenset(p["regions"]), _anchored(p["regionRegex"]))
        for p in data["partitions"]
    )


@cache
def botocore_version() -> str:
    """The installed botocore's version, which dates the region data."""
    import importlib.metadata  # only for a problem line: it takes longer to import than the data takes to read

    return importlib.metadata.version(_BOTOCORE)


def partition_of(region: str) -> Partition | None:
    """The partition a region belongs to: the one listing it, else the one whose region pattern it fits."""
    listed = next((p for p in partitions() if region in p.regions), None)
    return listed or next((p for p in partitions() if p.region_pattern.fullmatch(region)), None)


def supported_regions() -> list[str]:
    """Every region botocore lists in a supported partition, sorted."""
    return sorted(r for p in partitions() if p.supported for r in p.regions)


def _closest(wanted: str, candidates: list[str], cutoff: float = 0.8) -> list[str]:
    """The candidates most like `wanted`, all of them when several are equally close (us-east-1 or us-east-2)."""
    scored = [(difflib.SequenceMatcher(None, wanted, c).ratio(), c) for c in candidates]
    best = max((score for score, _ in scored), default=0.0)
    return sorted(c for score, c in scored if score == best >= cutoff)


def region_problem(region: str) -> str | None:
    """Why `region` is not a region of a supported partition that botocore knows, or None if it is."""
    partition = partition_of(region)
    quoted, supported = shown(region), ", ".join(SUPPORTED_PARTITIONS)
    if partition is not None and not partition.supported:
        return f"{quoted} is in the {partition.name} partition, which is not supported: only {supported}"
    if partition is not None and region in partition.regions:
        return None
    close = _closest(region.lower(), supported_regions())
    hint = f" (did you mean {' or '.join(filter(None, (', '.join(close[:-1]), close[-1])))}?)" if close else ""
    known = f"botocore {botocore_version()}"
    if partition is not None:
        return (
            f"{quoted} is not a region {known} lists in the {partition.name} partition{hint}; it may be newer than that "
            f"botocore: if so, upgrade it (uv lock --upgrade-package {_BOTOCORE})"
        )
    return f"{quoted} is not an AWS region{hint}: use a region {known} lists in the {supported} partitions"


def supported_partition(region: str) -> Partition:
    """The supported partition of a valid region (see region_problem); ValueError otherwise."""
    partition = partition_of(region)
    if partition is None or not partition.supported or region not in partition.regions:
        raise ValueError(f"not a supported AWS region: {shown(region)}")
    return partition


def s3_host(region: str) -> str:
    """The host name of S3's regional endpoint (GHES's service URL, and KMS's `kms:ViaService` for S3)."""
    return f"s3.{region}.{supported_partition(region).dns_suffix}"
