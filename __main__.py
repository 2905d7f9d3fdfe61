"""ghes-packages: settings, then components, then stack outputs (names other tools read: keep them stable)."""

import pulumi

from components import MinioPackagesStorage, MinioPackagesStorageArgs, PackagesStorage, PackagesStorageArgs
from ghes_packages.appliance.ghe_config import PackagesSettings, render_configure_script, settings_document
from ghes_packages.outputs import StackOutput
from ghes_packages.settings import load_settings

settings = load_settings()
for warning in settings.warnings:
    pulumi.log.warn(warning)

storage: PackagesStorage | MinioPackagesStorage
if settings.minio is None:
    storage = PackagesStorage(settings.resource_prefix, PackagesStorageArgs.from_settings(settings))
    # A MinIO user has no ARN: a MinIO stack has no such output (README, outputs reference).
    pulumi.export(StackOutput.IAM_USER_ARN, storage.iam_user_arn)
else:
    storage = MinioPackagesStorage(settings.resource_prefix, MinioPackagesStorageArgs.from_settings(settings))

pulumi.export(StackOutput.STORAGE, settings.storage.value)
pulumi.export(StackOutput.BUCKET_NAME, storage.bucket_name)
pulumi.export(StackOutput.BUCKET_ARN, storage.bucket_arn)
pulumi.export(StackOutput.REGION, settings.region)
pulumi.export(StackOutput.SERVICE_URL, settings.service_url)
pulumi.export(StackOutput.IAM_USER_NAME, storage.iam_user_name)
pulumi.export(StackOutput.ACCESS_KEY_ID, storage.access_key_id)
pulumi.export(StackOutput.SECRET_ACCESS_KEY, storage.secret_access_key)
pulumi.export(StackOutput.ACCESS_KEY_GENERATION, storage.access_key_generation)
pulumi.export(StackOutput.ACCESS_KEYS, storage.access_keys)
pulumi.export(StackOutput.POLICY_DOCUMENT, storage.policy_document)
pulumi.export(StackOutput.HOSTNAME, settings.hostname)
# Which appliance the operator commands reach, and the host key they trust there ("" when none is pinned).
pulumi.export(StackOutput.APPLIANCE_ADDRESS, settings.appliance_address)
pulumi.export(StackOutput.APPLIANCE_HOST_KEY, settings.appliance_host_key or "")
if settings.actions_bucket_name:
    pulumi.export(StackOutput.ACTIONS_BUCKET_NAME, settings.actions_bucket_name)

# The appliance step (docs/appliance.md): the configure script and the ghe-config settings, both holding the key.
appliance = pulumi.Output.all(storage.bucket_name, storage.access_key_id, storage.secret_access_key).apply(
    lambda values: PackagesSettings(settings.hostname, settings.service_url, values[0], values[1], values[2])
)
pulumi.export(StackOutput.GHES_CONFIGURE_SCRIPT, pulumi.Output.secret(appliance.apply(render_configure_script)))
pulumi.export(StackOutput.GHES_SETTINGS, pulumi.Output.secret(appliance.apply(settings_document)))
