"""The type checker really guards pulumi_aws property names: a misspelt one fails.

`make test` runs mypy on the project itself before pytest; this proves that check has teeth.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import PROJECT_DIR

pytestmark = pytest.mark.e2e


def mypy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mypy", *args], cwd=PROJECT_DIR, capture_output=True, text=True, check=False
    )


def test_a_misspelt_resource_property_fails_the_type_check(tmp_path: Path) -> None:
    program = PROJECT_DIR / "components" / "packages_storage.py"
    broken = tmp_path / "packages_storage.py"
    source = program.read_text()
    assert "block_public_acls=True" in source
    broken.write_text(source.replace("block_public_acls=True", "block_public_acl=True"))
    result = mypy(str(broken))  # the project's own mypy options (pyproject.toml), so its cache is reused
    assert result.returncode != 0 and "BucketPublicAccessBlock" in result.stdout, result.stdout[-2000:]


def test_a_misspelt_minio_property_fails_the_type_check(tmp_path: Path) -> None:
    program = PROJECT_DIR / "components" / "minio_storage.py"
    broken = tmp_path / "minio_storage.py"
    source = program.read_text()
    assert "noncurrent_version_expiration_days=" in source
    broken.write_text(source.replace("noncurrent_version_expiration_days=", "noncurrent_version_expiry_days="))
    result = mypy(str(broken))
    assert result.returncode != 0 and "IlmPolicyRuleArgs" in result.stdout, result.stdout[-2000:]
