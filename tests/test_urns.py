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


def test_the_prod_stack_claims_exactly_the_urns_existing_stacks_hold(prod: Evaluation) -> None:
    claimed = {r.urn for r in prod.resources}
    assert claimed - PROD_URNS == set(), f"new or renamed URNs (add an alias for a rename): {sorted(claimed - PROD_URNS)}"
    assert PROD_URNS - claimed == set(), f"URNs existing stacks hold are gone: {sorted(PROD_URNS - claimed)}"
