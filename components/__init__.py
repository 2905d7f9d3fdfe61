"""Pulumi components of ghes-packages (AWS S3 or MinIO), and the seven-action policy they attach (iam_policy.py)."""

from .minio_storage import MINIO_COMPONENT_TYPE, MinioPackagesStorage, MinioPackagesStorageArgs
from .packages_storage import COMPONENT_TYPE, PackagesStorage, PackagesStorageArgs

__all__ = [
    "COMPONENT_TYPE",
    "MINIO_COMPONENT_TYPE",
    "MinioPackagesStorage",
    "MinioPackagesStorageArgs",
    "PackagesStorage",
    "PackagesStorageArgs",
]
