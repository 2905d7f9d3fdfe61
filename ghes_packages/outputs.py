"""The stack outputs' names: a contract other tools read (`pulumi stack output`), so written once, here."""

from __future__ import annotations

import enum


class StackOutput(enum.StrEnum):
    """Each stack output of ghes-packages; the README's outputs reference says what each holds."""

    BUCKET_NAME = "bucketName"
    BUCKET_ARN = "bucketArn"
    REGION = "region"
    SERVICE_URL = "serviceUrl"
    IAM_USER_NAME = "iamUserName"
    IAM_USER_ARN = "iamUserArn"
    ACCESS_KEY_ID = "accessKeyId"
    SECRET_ACCESS_KEY = "secretAccessKey"  # noqa: S105 - the output's name, not a secret
    ACCESS_KEY_GENERATION = "accessKeyGeneration"
    ACCESS_KEYS = "accessKeys"
    POLICY_DOCUMENT = "policyDocument"
    HOSTNAME = "hostname"
    ACTIONS_BUCKET_NAME = "actionsBucketName"
    GHES_CONFIGURE_SCRIPT = "ghesConfigureScript"
    GHES_SETTINGS = "ghesSettings"
    APPLIANCE_ADDRESS = "applianceAddress"
    APPLIANCE_HOST_KEY = "applianceHostKey"
    STORAGE = "storage"


SECRET_OUTPUTS = frozenset({StackOutput.SECRET_ACCESS_KEY, StackOutput.GHES_CONFIGURE_SCRIPT, StackOutput.GHES_SETTINGS})
"""The outputs the program exports as Pulumi secrets (a test keeps this equal to what it really exports)."""

SECRET_PLACEHOLDER = "[secret]"  # noqa: S105 - a placeholder, not a password
"""What Pulumi shows instead of a secret value: `pulumi stack output --json` without `--show-secrets`."""
