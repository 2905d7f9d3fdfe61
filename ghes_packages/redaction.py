"""The one way a secret is kept out of what a person or a log sees: replaced by MASK wherever it appears."""

from __future__ import annotations

import json
from collections.abc import Iterable

MASK = "********"
"""Stands in for a secret (the secret access key) wherever a human may see it."""


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret, also where it is embedded in another value or JSON-escaped, replaced by MASK.

    :param text: what is about to be shown.
    :param secrets: the secret values; empty ones are ignored.
    """
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        for form in {secret, json.dumps(secret)[1:-1]}:
            text = text.replace(form, MASK)
    return text
