"""The YAML of a stack file, read as the Pulumi CLI reads it, and only the part of YAML every reader agrees on.

The plan runs on pull requests from strangers, and its verdict must be the one `pulumi up` would reach:

- No anchors or aliases (`&a`, `*a`): a stack file needs none, and a few lines of them expand to gigabytes
  (the "billion laughs"). They are refused as the parser meets them, before anything is expanded.
- No explicit tags (`!!binary`, `!!timestamp`, `!custom`): readers build different things from them.
- No unquoted scalar that YAML 1.1 readers (PyYAML, Go's yaml.v2) and YAML 1.2 readers (yaml.v3) read
  differently: `yes`/`no`/`on`/`off`/`y`/`n` (booleans in 1.1), `030` (octal 24 in 1.1, 30 in 1.2), `1:30`
  (base 60 in 1.1), `2024-01-31` (a date in 1.1), `1_000`, `0b101`, `0o17`, `1e3`, `<<`... The class is
  computed, not listed: PyYAML's own YAML 1.1 resolver and constructor against the YAML 1.2 core schema.
- Map keys are text, values hold no control characters or lone surrogates, nesting stays shallow.

A top-level value that is a scalar reaches the program as its text, exactly as written (Pulumi reads it into
a string: `True` stays `True`); a map or list reaches it as JSON, the way Pulumi marshals it.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

MAX_DEPTH = 16
"""How deeply maps and lists may nest in a stack file (a real one nests three levels at most)."""
CONFIG_KEY = "config"
"""The stack file's map of settings."""
SECURE_KEY = "secure"
"""A map whose only key is this holds a value encrypted by the stack's secrets provider."""

_STR, _NULL, _BOOL, _INT, _FLOAT = (f"tag:yaml.org,2002:{t}" for t in ("str", "null", "bool", "int", "float"))
# The YAML 1.2 core schema (YAML 1.2.2, section 10.3.2): tag resolution of plain scalars, in order.
_CORE_1_2: tuple[tuple[str, re.Pattern[str]], ...] = (
    (_NULL, re.compile(r"null|Null|NULL|~|")),
    (_BOOL, re.compile(r"true|True|TRUE|false|False|FALSE")),
    (_INT, re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")),
    (_FLOAT, re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)")),
)
# YAML 1.1's booleans beyond true/false (yaml.org/type/bool.html); PyYAML skips y/n, Go's yaml.v2 does not,
# and some readers fold case: every spelling is refused.
_BOOL_1_1_ONLY = re.compile(r"y|yes|n|no|on|off", re.IGNORECASE)
_ALLOWED_CONTROLS = frozenset("\t\n")


class StackYamlError(Exception):
    """Why a stack file cannot be read, with the line it is on, in words for the user."""


def _line(node_or_event: Any) -> str:
    return f"line {node_or_event.start_mark.line + 1}"


def _resolve_1_2(text: str) -> tuple[str, Any]:
    """The tag and value the YAML 1.2 core schema gives a plain scalar."""
    tag = next((tag for tag, pattern in _CORE_1_2 if pattern.fullmatch(text)), _STR)
    if tag == _NULL:
        return tag, None
    if tag == _BOOL:
        return tag, text.lower() == "true"
    if tag == _INT:
        base = {"0o": 8, "0x": 16}.get(text[:2], 10)
        return tag, int(text[2:] if base != 10 else text, base)
    if tag == _FLOAT:
        return tag, float(text.replace(".inf", "inf").replace(".Inf", "inf").replace(".INF", "inf").lstrip("."))
    return tag, text


def _said(tag: str, value: Any) -> str:
    if tag == _STR:
        return f"the text {json.dumps(value)}"
    if tag in (_NULL, _BOOL, _INT, _FLOAT):
        return json.dumps(value)
    return f"a {tag.rsplit(':', 1)[-1]}"


class _StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader, composing nodes only: no alias, anchor or explicit tag, bounded nesting."""

    def __init__(self, text: str):
        super().__init__(text)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise StackYamlError(f"{_line(event)}: YAML anchors and aliases (& and *) are not allowed in stack files")
        if getattr(event, "tag", None) not in (None, "!"):
            tag = event.tag.replace("tag:yaml.org,2002:", "!!")
            raise StackYamlError(f"{_line(event)}: explicit YAML tags ({tag}) are not allowed in stack files")
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise StackYamlError(f"{_line(event)}: maps and lists nest more than {MAX_DEPTH} levels deep")
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def meaning_1_1(self, node: ScalarNode) -> tuple[str, Any]:
        """The tag and value PyYAML (a YAML 1.1 reader) gives a plain scalar."""
        tag: str = self.resolve(ScalarNode, node.value, (True, False))  # type: ignore[no-untyped-call]
        if tag in (_NULL, _BOOL, _INT, _FLOAT):
            return tag, self.construct_object(ScalarNode(tag, node.value), deep=True)
        return tag, node.value


def _check_text(text: str, where: str) -> str:
    for char in text:
        if unicodedata.category(char) == "Cs":
            raise StackYamlError(f"{where}: holds a lone surrogate (U+{ord(char):04X}), which is not text")
        if unicodedata.category(char) == "Cc" and char not in _ALLOWED_CONTROLS:
            raise StackYamlError(f"{where}: holds the control character U+{ord(char):04X}; remove it")
    return text


class _Reader:
    def __init__(self, loader: _StrictLoader):
        self.loader = loader
        self.secure = False

    def plain(self, node: ScalarNode, where: str) -> tuple[str, Any]:
        """A plain scalar's tag and value, where every YAML reader agrees on them; StackYamlError otherwise."""
        tag, value = _resolve_1_2(node.value)
        other_tag, other = self.loader.meaning_1_1(node)
        said_1_1 = "a boolean" if _BOOL_1_1_ONLY.fullmatch(node.value) else _said(other_tag, other)
        if said_1_1 != _said(tag, value):
            raise StackYamlError(
                f"{where}: YAML readers disagree on the unquoted {node.value} "
                f"(YAML 1.1: {said_1_1}; YAML 1.2: {_said(tag, value)}): quote it ('{node.value}')"
            )
        return tag, value

    def key(self, node: Node, where: str) -> str:
        if not isinstance(node, ScalarNode) or (node.style is None and self.plain(node, where)[0] != _STR):
            raise StackYamlError(f"{where}: a map key must be text; quote it")
        return _check_text(node.value, where)

    def mapping(self, node: MappingNode, parent: str) -> dict[str, Node]:
        """The keys and value nodes of a map; a key given twice is refused (readers keep the first, the last, or fail).

        :param parent: the path of the map's own key ("" for the top), to name a key in a message.
        """
        found: dict[str, Node] = {}
        for key_node, value_node in node.value:
            name = key_node.value if isinstance(key_node, ScalarNode) else "?"
            where = f"{_line(key_node)}: key {parent + '.' if parent else ''}{name}"
            key = self.key(key_node, where)
            if key in found:
                raise StackYamlError(f"{where}: given twice")
            found[key] = value_node
        return found

    def value(self, node: Node, where: str) -> Any:
        """A nested value as Pulumi builds it before marshalling it to JSON; a secure value is the placeholder."""
        if isinstance(node, ScalarNode):
            if node.style is not None:
                return _check_text(node.value, where)
            tag, value = self.plain(node, where)
            if tag == _FLOAT and not math.isfinite(value):
                raise StackYamlError(f"{where}: {node.value} is not a finite number, which JSON cannot carry")
            return _check_text(value, where) if isinstance(value, str) else value
        if isinstance(node, SequenceNode):
            return [self.value(item, f"{where}[{i}]") for i, item in enumerate(node.value)]
        assert isinstance(node, MappingNode)
        items = self.mapping(node, where.split(": ", 1)[-1])
        if list(items) == [SECURE_KEY] and isinstance(self.value(items[SECURE_KEY], where), str):
            self.secure = True
            return _SECURE
        return {key: self.value(item, f"{where}.{key}") for key, item in items.items()}


class _Secure:
    """Stands for a secure value until the caller's placeholder replaces it."""


_SECURE = _Secure()


def read_config(text: str, placeholder: str) -> dict[str, tuple[str, bool]]:
    """The `config:` map of a stack file: key -> (the string Pulumi passes the program, whether it holds a
    secure value, shown as `placeholder`). StackYamlError with the line for anything outside the agreed subset.
    """
    loader = _StrictLoader(text)
    try:
        document = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        raise StackYamlError(f"not valid YAML{f' at line {mark.line + 1}' if mark else ''}") from None
    except yaml.YAMLError:
        raise StackYamlError("not valid YAML") from None
    reader = _Reader(loader)
    if document is None or (isinstance(document, ScalarNode) and document.style is None and not document.value):
        return {}
    if not isinstance(document, MappingNode):
        raise StackYamlError("the file must be a map holding 'config'")
    config = reader.mapping(document, "").get(CONFIG_KEY)
    if config is None or (isinstance(config, ScalarNode) and config.style is None and _resolve_1_2(config.value)[1] is None):
        return {}
    if not isinstance(config, MappingNode):
        raise StackYamlError("'config' must be a map of settings")
    values: dict[str, tuple[str, bool]] = {}
    for key, node in reader.mapping(config, "").items():
        where = f"{_line(node)}: {key}"
        if isinstance(node, ScalarNode):
            # Pulumi reads a scalar into a string: the text as written, or "" for null.
            null = node.style is None and reader.plain(node, where)[0] == _NULL
            values[key] = ("" if null else _check_text(node.value, where), False)
            continue
        reader.secure = False
        value = reader.value(node, where)
        if value is _SECURE:
            values[key] = (placeholder, True)
        else:
            values[key] = (_json(value, placeholder), reader.secure)
    return values


def _json(value: Any, placeholder: str) -> str:
    """`value` as Pulumi marshals a structured config value: JSON with sorted keys, compact, secure values
    as `placeholder`."""

    def plain(v: Any) -> Any:
        if v is _SECURE:
            return placeholder
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        return [plain(x) for x in v] if isinstance(v, list) else v

    return json.dumps(plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
