"""Reading IAM policy documents the way AWS does, for the CrossGuard rules.

AWS accepts a string or a list wherever a document holds actions or resources, treats action names
case-insensitively and expands `*` and `?` in them. The rules compare against the single definition of
the seven actions in components.iam_policy, so they never restate an action.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from fnmatch import fnmatchcase
from typing import Any

from components.iam_policy import (
    BUCKET_ACTIONS,
    KMS_ACTIONS,
    KMS_CONDITION_OPERATOR,
    KMS_S3_CONTEXT,
    KMS_VIA_SERVICE,
    OBJECT_ACTIONS,
    PACKAGES_S3_ACTIONS,
    kms_conditions,
    objects_arn,
)
from ghes_packages.names import BUCKET, KMS_KEY_ARN
from ghes_packages.regions import PARTITION_PATTERN

# Reading ARNs, never building them: a bucket ARN has no key part, a KMS key ARN names one key (no alias).
_BUCKET_ARN = re.compile(rf"arn:{PARTITION_PATTERN}:s3:::{BUCKET}", re.ASCII)
_WILDCARDS = ("*", "?")
# The canonical spelling of every action the Packages user may hold, keyed case-insensitively as AWS does.
_CANONICAL = {action.casefold(): action for action in (*PACKAGES_S3_ACTIONS, *KMS_ACTIONS)}


class DocumentError(ValueError):
    """The value is not a policy document."""


def load(value: Any) -> Mapping[str, Any]:
    """A policy document from its JSON text (as the provider takes it) or an already parsed object."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as error:
            raise DocumentError(f"is not valid JSON ({error.msg})") from None
    if not isinstance(value, Mapping):
        raise DocumentError("is not a JSON object")
    return value


def statements(document: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """Each statement with a label for messages: its Sid, or its position."""
    raw = document.get("Statement", [])
    if isinstance(raw, Mapping):
        raw = [raw]
    elif isinstance(raw, str) or not isinstance(raw, Sequence):
        raw = []
    labelled = []
    for i, statement in enumerate(raw, 1):
        statement = statement if isinstance(statement, Mapping) else {}
        labelled.append((str(statement.get("Sid") or f"statement {i}"), statement))
    return labelled


def as_list(value: Any) -> list[str]:
    """Actions or resources as a list of strings, whether the document wrote one string or a list."""
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, Sequence):
        return [str(value)]
    return [str(v) for v in value]


def has_wildcard(text: str) -> bool:
    return any(w in text for w in _WILDCARDS)


def covers(patterns: Sequence[str], action: str) -> bool:
    """Whether an action is matched by one of a statement's action patterns (IAM: case-insensitive globs)."""
    return any(fnmatchcase(action.casefold(), p.casefold()) for p in patterns)


def is_bucket_arn(text: str) -> bool:
    return bool(_BUCKET_ARN.fullmatch(text))


def bucket_of_objects(resource: str) -> str | None:
    """The bucket ARN whose every object `resource` names (`<bucket ARN>/*`), else None."""
    bucket, _, _ = resource.rpartition("/")
    return bucket if is_bucket_arn(bucket) and objects_arn(bucket) == resource else None


def _granted(document: Mapping[str, Any], problems: list[str]) -> dict[str, set[str]]:
    """Resources granted per canonical action (or wildcard pattern) by the Allow statements; problems found."""
    granted: dict[str, set[str]] = {}
    for label, statement in statements(document):
        if statement.get("Effect") != "Allow":
            continue  # a Deny only takes permissions away
        for key in ("NotAction", "NotResource"):
            if key in statement:
                problems.append(f"{label}: Allow with {key} grants everything not listed; name actions and resources")
        resources = as_list(statement.get("Resource"))
        for resource in resources:
            if has_wildcard(resource) and bucket_of_objects(resource) is None:
                problems.append(f"{label}: wildcard resource '{resource}'")
        for action in as_list(statement.get("Action")):
            canonical = _CANONICAL.get(action.casefold())
            if has_wildcard(action):
                problems.append(f"{label}: wildcard action '{action}'")
                granted.setdefault(action, set()).update(resources)
            elif canonical is None:
                problems.append(f"{label}: allows '{action}', which is none of the seven S3 actions GHES needs")
            else:
                granted.setdefault(canonical, set()).update(resources)
    return granted


def least_privilege_problems(document: Mapping[str, Any]) -> list[str]:
    """Why a document is not the Packages user's least-privilege policy; empty when it is.

    Exactly the seven S3 actions; the two bucket actions on one bucket ARN only, the five object actions
    on that bucket's `/*` only; optionally the KMS actions, all of them, on one KMS key ARN only.
    """
    problems: list[str] = []
    granted = _granted(document, problems)
    buckets: set[str] = set()
    for action in sorted(PACKAGES_S3_ACTIONS):
        resources = granted.get(action, set())
        wildcards = [pattern for pattern in granted if has_wildcard(pattern)]
        if not resources and not covers(wildcards, action):  # a wildcard granting it is reported already
            problems.append(f"does not allow {action}, one of the seven S3 actions GHES needs")
        for resource in sorted(resources):
            if has_wildcard(resource) and bucket_of_objects(resource) is None:
                continue  # reported once, as a wildcard resource
            if action in BUCKET_ACTIONS and is_bucket_arn(resource):
                buckets.add(resource)
            elif action in OBJECT_ACTIONS and (bucket := bucket_of_objects(resource)):
                buckets.add(bucket)
            else:
                where = "the bucket ARN" if action in BUCKET_ACTIONS else "the bucket's objects (<bucket ARN>/*)"
                problems.append(f"allows {action} on '{resource}'; it may act only on {where}")
    if len(buckets) > 1:
        problems.append(
            f"names {len(buckets)} buckets ({', '.join(sorted(buckets))}); it must name only the Packages bucket"
        )
    keys = set().union(*(granted.get(a, set()) for a in KMS_ACTIONS))
    if keys:
        missing = [a for a in KMS_ACTIONS if not granted.get(a)]
        if missing:
            problems.append(f"grants KMS use without {', '.join(missing)}; the KMS statement needs {', '.join(KMS_ACTIONS)}")
        bad = sorted(k for k in keys if not KMS_KEY_ARN.fullmatch(k))
        if bad:
            problems.append(
                f"allows KMS actions on {', '.join(repr(k) for k in bad)}; only on one KMS key ARN (key/..., no alias)"
            )
        elif len(keys) > 1:
            problems.append(f"allows KMS actions on {len(keys)} keys; only on the bucket's key")
    problems += _kms_condition_problems(document, buckets)
    return problems


def _condition_values(statement: Mapping[str, Any], operator: str) -> dict[str, list[str]]:
    """A statement's condition keys (case-folded, as IAM compares them) and values under one operator."""
    conditions = statement.get("Condition")
    block = conditions.get(operator) if isinstance(conditions, Mapping) else None
    return {str(k).casefold(): as_list(v) for k, v in block.items()} if isinstance(block, Mapping) else {}


def _kms_condition_problems(document: Mapping[str, Any], buckets: set[str]) -> list[str]:
    """Why a statement allowing KMS use does not confine it to S3 for the Packages bucket (components.iam_policy)."""
    problems: list[str] = []
    for label, statement in statements(document):
        actions = as_list(statement.get("Action"))
        if statement.get("Effect") != "Allow" or not any(covers(actions, a) for a in KMS_ACTIONS):
            continue
        values = _condition_values(statement, KMS_CONDITION_OPERATOR)
        keys = [k for k in as_list(statement.get("Resource")) if KMS_KEY_ARN.fullmatch(k)]
        try:
            expected = kms_conditions(next(iter(buckets), ""), keys[0]) if len(keys) == 1 else {}
        except ValueError:  # a key ARN naming no region botocore lists: the settings refuse such a key
            expected = {}
            problems.append(f"{label}: the KMS key '{keys[0]}' is not in a supported AWS region")
        for key in (KMS_VIA_SERVICE, KMS_S3_CONTEXT):
            got = values.get(key.casefold())
            if got is None:
                problems.append(
                    f"{label}: grants KMS use without the condition {KMS_CONDITION_OPERATOR} {key}, so the key is "
                    "usable outside S3 or for other buckets"
                )
            elif len(got) != 1:
                problems.append(f"{label}: the condition {key} must have exactly one value (got {len(got)})")
            elif key == KMS_S3_CONTEXT and got[0] not in buckets:
                problems.append(f"{label}: the condition {key} must be the Packages bucket's ARN (got '{got[0]}')")
            elif key == KMS_VIA_SERVICE and expected and got[0] != expected[key]:
                want = expected[key]
                problems.append(f"{label}: the condition {key} must be {want}, S3 in the key's region (got '{got[0]}')")
    return problems


def s3_buckets(document: Mapping[str, Any]) -> set[str]:
    """The bucket ARNs an identity policy's Allow statements grant S3 actions on."""
    granted = _granted(document, [])
    found = {r for a in BUCKET_ACTIONS for r in granted.get(a, set()) if is_bucket_arn(r)}
    return found | {b for a in OBJECT_ACTIONS for r in granted.get(a, set()) if (b := bucket_of_objects(r))}


def kms_keys(document: Mapping[str, Any]) -> set[str]:
    """The resources an identity policy's Allow statements grant KMS actions on."""
    granted = _granted(document, [])
    return set().union(*(granted.get(a, set()) for a in KMS_ACTIONS))


def _everyone(principal: Any) -> bool:
    if principal == "*":
        return True
    return isinstance(principal, Mapping) and "*" in as_list(principal.get("AWS"))


def _without_tls(condition: Any) -> bool:
    """Whether a condition block matches exactly the requests made without TLS."""
    if not isinstance(condition, Mapping) or len(condition) != 1 or not isinstance(condition.get("Bool"), Mapping):
        return False
    ((key, value),) = condition["Bool"].items() if len(condition["Bool"]) == 1 else (("", None),)
    return key.casefold() == "aws:securetransport" and [str(v).lower() for v in as_list(value)] == ["false"]


def denies_insecure_transport(document: Mapping[str, Any]) -> bool:
    """Whether a bucket policy denies everyone every S3 action on a bucket and its objects without TLS."""
    for _, statement in statements(document):
        if statement.get("Effect") != "Deny" or not _everyone(statement.get("Principal")):
            continue
        actions, resources = as_list(statement.get("Action")), as_list(statement.get("Resource"))
        every_action = all(covers(actions, a) for a in PACKAGES_S3_ACTIONS)
        whole_bucket = any(is_bucket_arn(r) and objects_arn(r) in resources for r in resources)
        if every_action and whole_bucket and _without_tls(statement.get("Condition")):
            return True
    return False
