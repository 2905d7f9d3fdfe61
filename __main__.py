"""ghes-packages: settings, then components, then stack outputs (names other tools read: keep them stable)."""

import pulumi

from appliance import PackagesSettings, render_configure_script, settings_document
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

# The appliance step (docs/appliance.md): the configure script and the ghe-config settings, both holding the key.
appliance = pulumi.Output.all(storage.bucket_name, storage.access_key_id, storage.secret_access_key).apply(
    lambda values: PackagesSettings(settings.hostname, settings.service_url, values[0], values[1], values[2])
)
pulumi.export("ghesConfigureScript", pulumi.Output.secret(appliance.apply(render_configure_script)))
pulumi.export("ghesSettings", pulumi.Output.secret(appliance.apply(settings_document)))
