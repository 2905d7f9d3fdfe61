"""What every Packages storage component exposes, whatever the target: the contract __main__.py exports."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi

from ghes_packages.outputs import StackOutput

from .access_keys import IssuedKey, generations_output, newest


class PackagesStorageBase(pulumi.ComponentResource):
    """A bucket only GHES Packages uses, the user GHES signs in as, and its key generations."""

    bucket_name: pulumi.Output[str]
    """The bucket's name (for `secrets.packages.s3-bucket`)."""
    bucket_arn: pulumi.Output[str]
    """The bucket's ARN, as the provider reports it (MinIO: `arn:aws:s3:::BUCKET`)."""
    iam_user_name: pulumi.Output[str]
    """The user's name (on MinIO, the parent of the service accounts)."""
    policy_document: pulumi.Output[str]
    """The user's policy, as JSON: the seven S3 actions on the bucket and its objects."""
    access_key_id: pulumi.Output[str]
    """The emitted key's id (for `secrets.packages.aws-access-key`)."""
    secret_access_key: pulumi.Output[str]
    """The emitted key's secret (for `secrets.packages.aws-secret-key`); always a Pulumi secret."""
    access_key_generation: int
    """The generation of the emitted key: the newest."""
    access_keys: pulumi.Output[dict[str, dict[str, Any]]]
    """Each live generation's key id, status and (AWS) creation date: non-secret."""

    def _finish(
        self,
        bucket_name: pulumi.Output[str],
        bucket_arn: pulumi.Output[str],
        user_name: pulumi.Output[str],
        policy_document: pulumi.Output[str],
        keys: Sequence[IssuedKey],
        **more: pulumi.Output[Any],
    ) -> None:
        """Set the outputs, the newest key's emitted, and register them (the component's last act)."""
        emitted = newest(keys)
        self.bucket_name, self.bucket_arn = bucket_name, bucket_arn
        self.iam_user_name, self.policy_document = user_name, policy_document
        self.access_key_id = emitted.key_id
        # Explicit, so the secret stays secret even where resource options are not honoured (mocks, tooling).
        self.secret_access_key = pulumi.Output.secret(emitted.secret)
        self.access_key_generation = emitted.generation.number
        self.access_keys = generations_output(keys)
        self.register_outputs(
            {
                StackOutput.BUCKET_NAME: self.bucket_name,
                StackOutput.BUCKET_ARN: self.bucket_arn,
                StackOutput.IAM_USER_NAME: self.iam_user_name,
                StackOutput.POLICY_DOCUMENT: self.policy_document,
                StackOutput.ACCESS_KEY_ID: self.access_key_id,
                StackOutput.SECRET_ACCESS_KEY: self.secret_access_key,
                StackOutput.ACCESS_KEY_GENERATION: self.access_key_generation,
                StackOutput.ACCESS_KEYS: self.access_keys,
                **more,
            }
        )
