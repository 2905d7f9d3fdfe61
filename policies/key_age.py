"""The key-age guardrail: a Packages key older than the maximum age should be rotated (docs/rotation.md).

Advisory by default (a warning in every preview and up), mandatory where a team sets
`{"packages-access-key-age": {"enforcementLevel": "mandatory"}}` in its policy-pack config. The age
comes from the key's `createDate`, which AWS reports once the key exists; a key not made yet is new.
"""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from ghes_packages.access_keys import DEFAULT_MAX_KEY_AGE_DAYS, key_age_days
from ghes_packages.resource_types import ACCESS_KEY

RULE = "packages-access-key-age"
MAX_AGE_SETTING = "maxAgeDays"


def access_key_age(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """An active Packages access key is no older than the maximum age."""
    if args.resource_type != ACCESS_KEY:
        return
    try:
        created, status = args.props.get("createDate"), args.props.get("status")
    except UnknownValueError:
        return  # a key made by this update is new
    if not isinstance(created, str) or (status or "Active") != "Active":
        return
    maximum = int(args.get_config().get(MAX_AGE_SETTING, DEFAULT_MAX_KEY_AGE_DAYS))
    age = key_age_days(created)
    if age is not None and age > maximum:
        report(
            f"the access key is {age} days old (made {created}), older than {maximum} days: rotate it "
            "(`ghes-packages rotate --stack STACK`, docs/rotation.md)",
            None,
        )


POLICY = ResourceValidationPolicy(
    RULE,
    f"An active Packages access key is at most {MAX_AGE_SETTING} days old (default {DEFAULT_MAX_KEY_AGE_DAYS}); advisory.",
    access_key_age,
    enforcement_level=EnforcementLevel.ADVISORY,
    config_schema=PolicyConfigSchema(
        properties={MAX_AGE_SETTING: {"type": "integer", "minimum": 1, "default": DEFAULT_MAX_KEY_AGE_DAYS}}
    ),
)
