"""How the stack rules read the resources the engine hands them: values that may be unknown, and links.

During `pulumi preview` a value AWS has not created yet (a bucket's name when Pulumi auto-names it, an ARN)
is unknown, and reading it raises pulumi_policy's UnknownValueError. The stack rules read such values here,
defensively, and fall back to the dependency graph to tell which resource configures which.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import PolicyResource
from pulumi_policy.proxy import UnknownValueError


def known(props: Mapping[str, Any], key: str) -> Any:
    """A property's value, or None when it is absent or not known yet (preview)."""
    try:
        return props.get(key)
    except UnknownValueError:
        return None


def attached(resource: PolicyResource, key: str, target: PolicyResource, target_key: str) -> bool:
    """Whether `resource` names `target` in its `key` property (`target`'s `target_key`).

    By value when both are known, else by the dependency graph: the resource depends on the target.
    """
    reference, name = known(resource.props, key), known(target.props, target_key)
    if reference is not None and name is not None:
        return bool(reference == name)
    linked = resource.property_dependencies.get(key) or resource.dependencies
    return any(r.urn == target.urn for r in linked)
