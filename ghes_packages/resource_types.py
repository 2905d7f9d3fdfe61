"""Pulumi type tokens of the provider resources the program, the pack and the plan talk about.

Each is read from the provider SDK's class (`pulumi.get_type_token`), never typed out, so a token cannot
be misspelt and follows the pinned provider. Importing this loads the pulumi_aws and pulumi_minio modules it names.
"""

from __future__ import annotations

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
