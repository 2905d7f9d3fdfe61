"""Pulumi type tokens of the provider resources the program, the pack and the plan talk about.

Each is read from the provider SDK's class (`pulumi.get_type_token`), never typed out, so a token cannot
be misspelt and follows the pinned provider. Importing this loads the pulumi_aws modules it names.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

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
