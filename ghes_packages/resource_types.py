"""Pulumi type tokens of the provider resources the program, the pack and the plan talk about.

Each is read from the provider SDK's class (`pulumi.get_type_token`), never typed out, so a token cannot
be misspelt and follows the pinned provider. Where the pack needs every type of a kind (every general-purpose
bucket type, every IAM resource that attaches a policy), the set is derived from the provider's own classes
and their input properties, so a type the provider adds or renames is covered without a hand list.
Importing this loads the pulumi_aws and pulumi_minio modules it names.
"""

from __future__ import annotations

import inspect
from types import ModuleType

import pulumi
import pulumi_aws as aws
import pulumi_minio as minio

BUCKET = pulumi.get_type_token(aws.s3.Bucket)
BUCKET_V2 = pulumi.get_type_token(aws.s3.BucketV2)
PUBLIC_ACCESS_BLOCK = pulumi.get_type_token(aws.s3.BucketPublicAccessBlock)
ENCRYPTION = pulumi.get_type_token(aws.s3.BucketServerSideEncryptionConfiguration)
BUCKET_POLICY = pulumi.get_type_token(aws.s3.BucketPolicy)
OWNERSHIP = pulumi.get_type_token(aws.s3.BucketOwnershipControls)
VERSIONING = pulumi.get_type_token(aws.s3.BucketVersioning)
LIFECYCLE = pulumi.get_type_token(aws.s3.BucketLifecycleConfiguration)
USER = pulumi.get_type_token(aws.iam.User)
USER_POLICY = pulumi.get_type_token(aws.iam.UserPolicy)
ACCESS_KEY = pulumi.get_type_token(aws.iam.AccessKey)
USER_POLICY_ATTACHMENT = pulumi.get_type_token(aws.iam.UserPolicyAttachment)
POLICY_ATTACHMENT = pulumi.get_type_token(aws.iam.PolicyAttachment)
USER_GROUP_MEMBERSHIP = pulumi.get_type_token(aws.iam.UserGroupMembership)
GROUP_MEMBERSHIP = pulumi.get_type_token(aws.iam.GroupMembership)

# The provider keeps a deprecated twin, named with a trailing V2, for several S3 resources (BucketV2 for
# Bucket); each twin creates the same AWS resource.
_TWIN_SUFFIX = "V2"
# Input properties (as the SDK's Python arguments spell them) that name who an IAM resource applies to, and
# those that carry a policy.
_NAMES_USERS = frozenset({"user", "users", "user_name", "username"})
_NAMES_GROUPS = frozenset({"group", "groups", "group_name"})
_CARRIES_POLICIES = frozenset({"policy", "policy_arn", "policy_arns", "policy_names"})


def _resource_classes(module: ModuleType) -> list[type[pulumi.CustomResource]]:
    """Every resource class a provider module exports.

    pulumi_aws loads a module on its first attribute access, which `vars` is not: the callers pass modules
    this file has read a class of already.
    """
    return [c for c in vars(module).values() if inspect.isclass(c) and issubclass(c, pulumi.CustomResource)]


def _inputs(module: ModuleType, cls: type[pulumi.CustomResource]) -> frozenset[str]:
    """A resource class's input properties: the keyword arguments of its generated `<Class>Args`."""
    args = getattr(module, f"{cls.__name__}Args")
    return frozenset(inspect.signature(args.__init__).parameters) - {"__self__", "self"}


def _types_of(classes: list[type[pulumi.CustomResource]]) -> frozenset[str]:
    return frozenset(token for c in classes if (token := pulumi.get_type_token(c)))


def twins(cls: type[pulumi.CustomResource]) -> frozenset[str]:
    """The type tokens of an S3 resource class and of its V2 twin, if the provider has one."""
    return _types_of([c for c in _resource_classes(aws.s3) if c.__name__.removesuffix(_TWIN_SUFFIX) == cls.__name__])


BUCKETS = twins(aws.s3.Bucket)
"""Every general-purpose S3 bucket type."""
OTHER_BUCKETS = _types_of(
    [c for c in _resource_classes(aws.s3) if c.__name__.endswith("Bucket") and pulumi.get_type_token(c) not in BUCKETS]
)
"""The provider's other kinds of S3 bucket (directory buckets, vector buckets): none can hold Packages."""
PUBLIC_ACCESS_BLOCKS = twins(aws.s3.BucketPublicAccessBlock)
ENCRYPTIONS = twins(aws.s3.BucketServerSideEncryptionConfiguration)
BUCKET_POLICIES = twins(aws.s3.BucketPolicy)
OWNERSHIPS = twins(aws.s3.BucketOwnershipControls)


def _iam_classes(*, names: frozenset[str], without: frozenset[str] = frozenset()) -> list[type[pulumi.CustomResource]]:
    """The IAM resource classes whose inputs include one of `names` and none of `without`."""
    return [c for c in _resource_classes(aws.iam) if _inputs(aws.iam, c) & names and not _inputs(aws.iam, c) & without]


IAM_GRANTS = _types_of(
    [c for c in _iam_classes(names=_NAMES_USERS | _NAMES_GROUPS) if _inputs(aws.iam, c) & _CARRIES_POLICIES]
    + [c for c in _iam_classes(names=_NAMES_USERS) if _inputs(aws.iam, c) & _NAMES_GROUPS]
) - {USER_POLICY}
"""Every IAM resource that gives users or groups permissions: policy attachments of every kind (exclusive ones
too), inline policies of groups and their exclusive lists, group memberships. A user's own inline policy
(UserPolicy) is not in it: the pack allows one per user."""
IAM_SIGN_INS = _types_of(_iam_classes(names=_NAMES_USERS, without=_NAMES_GROUPS | _CARRIES_POLICIES)) - {ACCESS_KEY}
"""Every IAM credential of a user besides an access key: console password, SSH key, service-specific
credential, signing certificate."""

# The MinIO provider's resources (pulumi-minio), for MinIO stacks.
MINIO_BUCKET = pulumi.get_type_token(minio.S3Bucket)
MINIO_BUCKET_POLICY = pulumi.get_type_token(minio.S3BucketPolicy)
MINIO_VERSIONING = pulumi.get_type_token(minio.S3BucketVersioning)
MINIO_ILM_POLICY = pulumi.get_type_token(minio.IlmPolicy)
MINIO_USER = pulumi.get_type_token(minio.IamUser)
MINIO_POLICY = pulumi.get_type_token(minio.IamPolicy)
MINIO_USER_POLICY_ATTACHMENT = pulumi.get_type_token(minio.IamUserPolicyAttachment)
MINIO_SERVICE_ACCOUNT = pulumi.get_type_token(minio.IamServiceAccount)
MINIO_GROUP_USER_ATTACHMENT = pulumi.get_type_token(minio.IamGroupUserAttachment)
MINIO_GROUP_MEMBERSHIP = pulumi.get_type_token(minio.IamGroupMembership)
MINIO_GROUP_POLICY = pulumi.get_type_token(minio.IamGroupPolicy)
MINIO_GROUP_POLICY_ATTACHMENT = pulumi.get_type_token(minio.IamGroupPolicyAttachment)
