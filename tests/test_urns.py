"""Existing stacks keep their resources: every URN the program claims is pinned here.

A renamed resource, component type or parent changes a URN, and `pulumi up` would then try to replace the
resource (the bucket is protected, so the update would fail). A change here needs an alias in the
component, and this list then names the new URN while the alias claims the old one.
"""

from __future__ import annotations

from ghes_packages.plan.evaluation import Evaluation

_COMPONENT = "urn:pulumi:prod::ghes-packages::ghes-packages:storage:PackagesStorage"
PROD_URNS = {
    "urn:pulumi:prod::ghes-packages::pulumi:pulumi:Stack$ghes-packages:storage:PackagesStorage::ghes-packages-prod",
    f"{_COMPONENT}$aws:s3/bucket:Bucket::ghes-packages-prod-bucket",
    f"{_COMPONENT}$aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock::ghes-packages-prod-public-access-block",
    f"{_COMPONENT}$aws:s3/bucketOwnershipControls:BucketOwnershipControls::ghes-packages-prod-ownership",
    f"{_COMPONENT}$aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    "::ghes-packages-prod-encryption",
    f"{_COMPONENT}$aws:s3/bucketVersioning:BucketVersioning::ghes-packages-prod-versioning",
    f"{_COMPONENT}$aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration::ghes-packages-prod-lifecycle",
    f"{_COMPONENT}$aws:s3/bucketPolicy:BucketPolicy::ghes-packages-prod-tls-only",
    f"{_COMPONENT}$aws:iam/user:User::ghes-packages-prod-user",
    f"{_COMPONENT}$aws:iam/userPolicy:UserPolicy::ghes-packages-prod-policy",
    f"{_COMPONENT}$aws:iam/accessKey:AccessKey::ghes-packages-prod-access-key",
}


# Renamed since, each still claimed by its new resource through an alias: old URN -> new URN.
RENAMED = {
    f"{_COMPONENT}$aws:iam/accessKey:AccessKey::ghes-packages-prod-access-key": (
        f"{_COMPONENT}$aws:iam/accessKey:AccessKey::ghes-packages-prod-access-key-1"  # generation 1 (docs/rotation.md)
    ),
}


def test_every_urn_an_existing_stack_holds_is_claimed_by_one_resource(prod: Evaluation) -> None:
    claims: dict[str, list[str]] = {}
    for resource in prod.resources:
        for urn in (resource.urn, *resource.aliases):
            claims.setdefault(urn, []).append(resource.urn)
    for held in sorted(PROD_URNS):
        owners = set(claims.get(held, []))
        expected = {RENAMED.get(held, held)}
        assert owners == expected, f"{held} is claimed by {sorted(owners) or 'nothing'}; expected {expected}"


def test_the_prod_stack_declares_no_urn_beyond_the_pinned_ones(prod: Evaluation) -> None:
    pinned = {RENAMED.get(urn, urn) for urn in PROD_URNS}
    extra = {r.urn for r in prod.resources} - pinned
    assert extra == set(), f"new URNs: pin them here (and alias any rename): {sorted(extra)}"


_MINIO = "urn:pulumi:lab::ghes-packages::ghes-packages:storage:MinioPackagesStorage"
LAB_URNS = {
    "urn:pulumi:lab::ghes-packages::pulumi:pulumi:Stack$ghes-packages:storage:MinioPackagesStorage::ghes-packages-lab",
    f"{_MINIO}$minio:index/s3Bucket:S3Bucket::ghes-packages-lab-bucket",
    f"{_MINIO}$minio:index/s3BucketVersioning:S3BucketVersioning::ghes-packages-lab-versioning",
    f"{_MINIO}$minio:index/ilmPolicy:IlmPolicy::ghes-packages-lab-lifecycle",
    f"{_MINIO}$minio:index/iamUser:IamUser::ghes-packages-lab-user",
    f"{_MINIO}$minio:index/iamPolicy:IamPolicy::ghes-packages-lab-policy",
    f"{_MINIO}$minio:index/iamUserPolicyAttachment:IamUserPolicyAttachment::ghes-packages-lab-policy-attachment",
    f"{_MINIO}$minio:index/iamServiceAccount:IamServiceAccount::ghes-packages-lab-service-account-1",
}


def test_the_minio_stack_declares_exactly_the_pinned_urns(minio: Evaluation) -> None:
    # MinIO stacks are new in this version; from now on their URNs are a contract like the AWS ones.
    declared = {r.urn for r in minio.resources}
    assert declared == LAB_URNS, f"renamed or new: {sorted(declared ^ LAB_URNS)} (a rename needs an alias)"
