"""Every regular expression that validates a value matches all of it.

`re.match` anchors only the start, and `$` also matches before a final newline: "ghes\\n.example.com"
passed a `^...$` pattern applied label by label. Validation uses fullmatch; scanning text uses search.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.helpers import PROJECT_DIR, project_sources

# Owned by the stack-file work of issue 9 (items 5-7); its stack-name pattern is the last `^...$` left.
NOT_YET = {"ghes_packages/stack_files.py"}
_RE_FUNCTIONS = {"compile", "match", "fullmatch", "search", "sub", "split", "findall", "finditer"}


def _pattern_text(node: ast.expr) -> str:
    """The literal text of a pattern argument (the constant parts of an f-string)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(_pattern_text(part) for part in node.values)
    return ""


def _offences(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        where = f"{path.name}:{node.lineno}"
        if node.func.attr == "match":
            found.append(f"{where}: .match() anchors only the start; use fullmatch (or search to scan)")
        is_re = isinstance(node.func.value, ast.Name) and node.func.value.id == "re"
        if is_re and node.func.attr in _RE_FUNCTIONS and node.args and "$" in _pattern_text(node.args[0]):
            found.append(f"{where}: `$` matches before a final newline; use fullmatch or \\Z")
    return found


def test_no_pattern_validates_only_part_of_a_value() -> None:
    sources = project_sources("ghes_packages/**/*.py", "components/*.py", "policies/*.py", "__main__.py")
    assert len(sources) > 20, "the project's modules were not found"
    mine = [p for p in sources if str(p.relative_to(PROJECT_DIR)) not in NOT_YET]
    offences = [offence for path in mine for offence in _offences(path)]
    assert offences == []


def test_the_check_finds_a_partial_match(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text('import re\nNAME = re.compile(r"^[a-z]+$")\nok = NAME.match("ghes\\n")\n')
    assert len(_offences(sample)) == 2, "the check must flag both the `$` and the .match()"
