"""Regions and partitions come from the installed botocore's data, never from a list written here."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys

import pytest
from botocore.loaders import Loader

from ghes_packages.regions import SUPPORTED_PARTITIONS, region_problem, s3_host
from tests.helpers import PROJECT_DIR, code_strings, project_sources

BOTOCORE = importlib.metadata.version("botocore")


def _botocore_regions() -> dict[str, list[str]]:
    """Partition -> regions, through botocore's own loader (the way boto3 reads the same file)."""
    data = Loader().load_data("endpoints")
    return {p["partition"]: sorted(p["regions"]) for p in data["partitions"]}


def test_every_region_botocore_lists_in_a_supported_partition_is_accepted() -> None:
    listed = _botocore_regions()
    refused = {r: region_problem(r) for p in SUPPORTED_PARTITIONS for r in listed[p] if region_problem(r)}
    assert refused == {}
    assert len(listed["aws"]) > 20, "botocore's endpoints data was not read"


def test_every_region_of_another_partition_is_refused_naming_its_partition() -> None:
    others = {(p, r) for p, regions in _botocore_regions().items() if p not in SUPPORTED_PARTITIONS for r in regions}
    assert any(p.startswith("aws-iso") for p, _ in others)
    wrong = [r for p, r in others if f"is in the {p} partition, which is not supported" not in (region_problem(r) or "")]
    assert wrong == []


def test_a_region_that_fits_a_partition_but_is_not_listed_names_the_botocore_version() -> None:
    problem = region_problem("ap-southeast-99") or ""
    assert f"is not a region botocore {BOTOCORE} lists in the aws partition" in problem, problem
    assert "may be newer than that botocore" in problem and "uv lock --upgrade-package botocore" in problem


def test_a_close_typo_gets_a_suggestion_and_a_far_one_does_not() -> None:
    assert "(did you mean us-east-1 or us-east-2?)" in (region_problem("us-east-9") or "")
    assert "(did you mean " not in (region_problem("mars-north-1") or "")


@pytest.mark.parametrize(
    ("region", "host"),
    [
        ("eu-west-1", "s3.eu-west-1.amazonaws.com"),
        ("cn-north-1", "s3.cn-north-1.amazonaws.com.cn"),
        ("us-gov-west-1", "s3.us-gov-west-1.amazonaws.com"),
    ],
)
def test_the_s3_host_takes_the_partitions_dns_suffix_from_the_data(region: str, host: str) -> None:
    assert s3_host(region) == host


def test_no_module_writes_a_dns_suffix_or_region_table() -> None:
    # The core, the program and the pack; verify's path-style heuristic (verify/s3client.py) is not a region table.
    sources = project_sources("ghes_packages/*.py", "components/*.py", "policies/*.py", "__main__.py")
    written = [str(p.relative_to(PROJECT_DIR)) for p in sources if "amazonaws" in code_strings(p)]
    assert written == [], "DNS suffixes come from botocore's data (ghes_packages/regions.py)"


@pytest.mark.e2e
def test_checking_a_region_does_not_import_botocore() -> None:
    # botocore's modules take longer to import than the offline plan may spend on its settings.
    code = (
        "import sys; from ghes_packages.settings import parse_settings;"
        "parse_settings({'aws:region': 'eu-west-1', 'ghes-packages:hostname': 'h.example.com'}, 'dev');"
        "assert 'botocore' not in sys.modules, 'botocore was imported'"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_DIR, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
