"""ghes-packages: settings, then components, then stack outputs (names other tools read: keep them stable)."""

import pulumi

from components import PackagesStorage, PackagesStorageArgs
from settings import load_settings

settings = load_settings()
storage = PackagesStorage(settings.resource_prefix, PackagesStorageArgs.from_settings(settings))

pulumi.export("bucketName", storage.bucket_name)
pulumi.export("bucketArn", storage.bucket_arn)
pulumi.export("region", settings.region)
pulumi.export("serviceUrl", settings.service_url)
pulumi.export("iamUserName", storage.iam_user_name)
pulumi.export("iamUserArn", storage.iam_user_arn)
pulumi.export("accessKeyId", storage.access_key_id)
pulumi.export("secretAccessKey", storage.secret_access_key)
pulumi.export("policyDocument", storage.policy_document)
pulumi.export("hostname", settings.hostname)
if settings.actions_bucket_name:
    pulumi.export("actionsBucketName", settings.actions_bucket_name)
