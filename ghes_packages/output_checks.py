"""The one validation of a stack's outputs, shared by `render`, `configure` and `verify`.

Every command reads the same outputs, so each must refuse the same bad ones, and before it acts: before a
script is rendered, an ssh connection opened, or a request signed. A problem is one line naming the output
and what is allowed; the secret access key is masked in it even where another value embeds it.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Collection, Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

from .access_keys import CREATED_FIELD, KEY_ID_FIELD, STATUS_FIELD, KeyStatus
from .errors import CliError
from .names import bucket_name_problem, hostname_problem
from .outputs import SECRET_OUTPUTS, SECRET_PLACEHOLDER, StackOutput
from .redaction import redact

# IAM's AccessKeyId: 16 to 128 word characters (IAM API reference, AccessKeyMetadata).
_ACCESS_KEY_ID = re.compile(r"[A-Za-z0-9_]{16,128}", re.ASCII)
# A region as S3 signs with it: AWS's (eu-west-1) or an S3-compatible store's own (MinIO: us-east-1 or any name).
_REGION = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_-]{0,63}", re.ASCII)
# Outputs that hold many lines (a script, a JSON document); every other output is one line.
_MULTI_LINE = frozenset({StackOutput.GHES_CONFIGURE_SCRIPT, StackOutput.POLICY_DOCUMENT, StackOutput.GHES_SETTINGS})
_LINE_BREAKS = frozenset("\t\n\r")
_SHOWN = 80  # characters of a bad value shown in a message
_MIN_SECRET = 8  # the shortest secret key of S3-compatible stores (MinIO); AWS's are 40


def _shown(value: Any, secrets: list[str]) -> str:
    text = redact(json.dumps(value), secrets)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + '..."'


def _strings(value: Any) -> Iterator[str]:
    """Every string in a JSON value, keys too, without recursion (the depth is the file's to choose)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            pending += [*item.keys(), *item.values()]
        elif isinstance(item, list):
            pending += item


def _text_problem(name: str, value: Any) -> str | None:
    """Why a value is not text a terminal, a shell argument and `ghe-config` can all carry, or None."""
    allowed = _LINE_BREAKS if name in _MULTI_LINE else frozenset()
    for text in _strings(value):
        for char in text:
            category = unicodedata.category(char)
            if category == "Cs":
                return f"holds a lone surrogate (U+{ord(char):04X}), which is not text"
            if category == "Cc" and char not in allowed:
                return f"holds the control character U+{ord(char):04X}"
    return None


def _url_problem(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        return f"must be an http:// or https:// URL ({error})"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an http:// or https:// URL with a host: https://HOST[:PORT], the S3 or MinIO endpoint"
    # Any '@': a user name or password, or a secret with a '/' that urlsplit would read as the host.
    if "@" in url:
        return "must not hold a user name or password: the access key is given separately"
    if parts.query or parts.fragment or any(c.isspace() for c in url):
        return "must be a plain endpoint URL, without spaces, query or fragment"
    return None if port is None or port > 0 else "has port 0"


def _access_keys_problem(value: Any) -> str | None:
    """Why an `accessKeys` output is not generation -> {accessKeyId, status[, createDate]}, or None."""
    for generation, entry in value.items():
        if not (isinstance(generation, str) and generation.isascii() and generation.isdigit()):
            return f"has the generation {json.dumps(generation)}, not a whole number"
        if not isinstance(entry, dict) or not isinstance(entry.get(KEY_ID_FIELD), str):
            return f"generation {generation} has no {KEY_ID_FIELD}"
        if entry.get(STATUS_FIELD) not in tuple(KeyStatus):
            return f"generation {generation}'s {STATUS_FIELD} is not {' or '.join(KeyStatus)}"
        if not isinstance(entry.get(CREATED_FIELD, ""), str):
            return f"generation {generation}'s {CREATED_FIELD} is not text"
    return None


def _shape_problem(name: str, value: str) -> str | None:
    """Why a one-line output does not have the shape AWS or the appliance gives it, or None."""
    if name in (StackOutput.BUCKET_NAME, StackOutput.ACTIONS_BUCKET_NAME):
        return bucket_name_problem(value)
    if name == StackOutput.SERVICE_URL:
        return _url_problem(value)
    if name == StackOutput.HOSTNAME:
        return hostname_problem(value)
    if name == StackOutput.REGION and not _REGION.fullmatch(value):
        return "must be a region name: letters, digits, - and _, e.g. eu-west-1 (AWS) or us-east-1 (MinIO's default)"
    if name == StackOutput.SECRET_ACCESS_KEY and len(value) < _MIN_SECRET:
        return f"is shorter than {_MIN_SECRET} characters: not an access key's secret"
    if name == StackOutput.ACCESS_KEY_ID and not _ACCESS_KEY_ID.fullmatch(value):
        return "must be an access key id: 16 to 128 letters and digits, e.g. AKIAIOSFODNN7EXAMPLE"
    return None


# The outputs that are not strings; every other output is one.
_TYPES: dict[StackOutput, type] = {
    StackOutput.GHES_SETTINGS: dict,
    StackOutput.ACCESS_KEYS: dict,
    StackOutput.ACCESS_KEY_GENERATION: int,
}
_EXPECTED = {str: "a string", dict: "an object", int: "a whole number"}


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return {dict: "an object", list: "a list", type(None): "null"}.get(type(value), "not text")


def check_outputs(outputs: Mapping[str, Any], required: Collection[StackOutput]) -> None:
    """CliError (one line, secret masked) naming every unusable output: missing `required` ones, secret
    placeholders, wrong types, characters that are not text, and values of the wrong shape.

    :param outputs: the stack's outputs as `pulumi stack output --json --show-secrets` prints them.
    :param required: the outputs the command cannot do without.
    """
    secret = outputs.get(StackOutput.SECRET_ACCESS_KEY)
    secrets = [secret] if isinstance(secret, str) else []
    placeholders = sorted(name for name in SECRET_OUTPUTS if outputs.get(name) == SECRET_PLACEHOLDER)
    if placeholders:
        raise CliError(
            f"stack outputs: {', '.join(placeholders)} hold{'s' if len(placeholders) == 1 else ''} the placeholder "
            f"{SECRET_PLACEHOLDER}, not the value: run `pulumi stack output --json --show-secrets` (or pass --stack NAME)"
        )
    missing = [name.value for name in required if outputs.get(name) in (None, "")]
    problems = [f"missing {', '.join(missing)} (is this a ghes-packages stack's output?)"] if missing else []
    for name in StackOutput:
        if name not in outputs or outputs[name] in (None, ""):
            continue
        value = outputs[name]
        expected = _TYPES.get(name, str)
        if not isinstance(value, expected) or isinstance(value, bool):
            problems.append(f"{name} must be {_EXPECTED[expected]} (got {_type_name(value)})")
        elif name == StackOutput.ACCESS_KEYS and (why := _access_keys_problem(value)):
            problems.append(f"{name} {why}")
        elif why := _text_problem(name, value) or (_shape_problem(name, value) if isinstance(value, str) else None):
            problems.append(f"{name} {why} (got {_shown(value, secrets)})")
        elif name not in SECRET_OUTPUTS and any(secret in text for secret in secrets for text in _strings(value)):
            problems.append(f"{name} holds the secret access key, which only a secret output may carry")
    for other in sorted(set(outputs) - set(StackOutput)):
        if why := _text_problem(other, {other: outputs[other]}):
            problems.append(f"{_shown(other, secrets)} {why}")
    if problems:
        raise CliError(redact(f"stack outputs: {'; '.join(problems)}", secrets))
