"""Pulumi components of ghes-packages."""

from .packages_storage import PackagesStorage, PackagesStorageArgs

__all__ = ["PackagesStorage", "PackagesStorageArgs"]
