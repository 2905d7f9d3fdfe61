"""Pulumi components of ghes-packages, and the seven-action IAM policy they attach (iam_policy.py)."""

from .packages_storage import COMPONENT_TYPE, PackagesStorage, PackagesStorageArgs

__all__ = ["COMPONENT_TYPE", "PackagesStorage", "PackagesStorageArgs"]
