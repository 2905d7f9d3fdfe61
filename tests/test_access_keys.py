"""Access-key generations (`accessKeys`): the graph each declaration gives, and the values refused."""

from __future__ import annotations

import json

import pytest

from ghes_packages.appliance.ghe_config import GheConfigKey
from ghes_packages.errors import CliError
from ghes_packages.output_checks import check_outputs
from ghes_packages.plan.evaluation import Evaluation, evaluate
from ghes_packages.resource_types import ACCESS_KEY
from ghes_packages.settings import SettingsError
from tests.helpers import MINIMAL

SETTING = "ghes-packages:accessKeys"


def _run(generations: dict[str, str] | str) -> Evaluation:
    value = generations if isinstance(generations, str) else json.dumps(generations)
    return evaluate({**MINIMAL, SETTING: value}, "dev")


def _keys(evaluation: Evaluation) -> dict[str, str]:
    """Each declared key's logical name and the status it is declared with."""
    return {r.name: r.inputs.get("status") for r in evaluation.of_type(ACCESS_KEY)}


@pytest.mark.parametrize(
    ("generations", "declared", "emitted"),
    [
        ({"1": "active"}, {"ghes-packages-dev-access-key-1": "Active"}, 1),
        (
            {"1": "active", "2": "active"},
            {"ghes-packages-dev-access-key-1": "Active", "ghes-packages-dev-access-key-2": "Active"},
            2,
        ),
        (
            {"1": "inactive", "2": "active"},
            {"ghes-packages-dev-access-key-1": "Inactive", "ghes-packages-dev-access-key-2": "Active"},
            2,
        ),
        ({"2": "active"}, {"ghes-packages-dev-access-key-2": "Active"}, 2),
    ],
    ids=["first", "overlap", "grace", "finished"],
)
def test_each_generation_is_one_key_and_the_newest_is_emitted(
    generations: dict[str, str], declared: dict[str, str], emitted: int
) -> None:
    evaluation = _run(generations)
    assert _keys(evaluation) == declared, "one key per generation, with its status; a removed generation has none"
    newest = next(r for r in evaluation.of_type(ACCESS_KEY) if r.name.endswith(f"-{emitted}"))
    outputs = evaluation.outputs
    assert outputs["accessKeyGeneration"] == emitted
    assert outputs["secretAccessKey"] == newest.state["secret"], "the emitted secret must be the newest key's"
    assert "secretAccessKey" in evaluation.secret_outputs
    live = outputs["accessKeys"]
    assert sorted(live) == sorted(generations), "accessKeys must list every live generation"
    assert {n: e["status"] for n, e in live.items()} == generations
    assert all(e["accessKeyId"].startswith("AKIA") and e["createDate"] for e in live.values())
    assert outputs["accessKeys"][str(emitted)]["accessKeyId"] == outputs["accessKeyId"]


def test_the_appliance_script_carries_the_newest_key() -> None:
    evaluation = _run({"1": "inactive", "2": "active"})
    document = evaluation.outputs["ghesSettings"]
    assert document[GheConfigKey.AWS_ACCESS_KEY] == evaluation.outputs["accessKeys"]["2"]["accessKeyId"]
    assert document[GheConfigKey.AWS_SECRET_KEY] == evaluation.outputs["secretAccessKey"]


def test_the_old_keys_secret_appears_in_no_output() -> None:
    evaluation = _run({"1": "active", "2": "active"})
    old = next(r for r in evaluation.of_type(ACCESS_KEY) if r.name.endswith("-1")).state["secret"]
    assert old not in json.dumps(evaluation.outputs), "only the emitted key's secret may be in the outputs"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"1": "active", "2": "active", "3": "active"}, "holds 3 generations (1, 2, 3); AWS allows 2 keys per user"),
        ({"1": "active", "2": "inactive"}, "the newest generation 2 is the key GHES uses and must be active"),
        ({"one": "active"}, 'generation "one" must be a whole number from 1'),
        ({"01": "active"}, 'generation "01" must be a whole number from 1, written without zeros in front'),
        ({"0": "active"}, 'generation "0" must be a whole number from 1'),
        ({"-1": "active"}, 'generation "-1" must be a whole number from 1'),
        ({"1.5": "active"}, 'generation "1.5" must be a whole number from 1'),
        ({}, "must hold at least one generation"),
        ({"1": "Active"}, 'generation 1 must be "active" or "inactive" (got "Active")'),
        ({"1": True}, 'generation 1 must be "active" or "inactive" (got true)'),
        ('["1"]', "must be a JSON object of generation number to status"),
        ("{1: active}", "must be a JSON object of generation number to status"),
        ('"active"', "must be a JSON object of generation number to status"),
    ],
    ids=[
        "three",
        "newest-inactive",
        "word",
        "leading-zero",
        "zero",
        "negative",
        "fraction",
        "empty",
        "capital",
        "boolean",
        "list",
        "not-json",
        "string",
    ],
)
def test_a_bad_value_is_one_line_and_nothing_is_declared(value: dict[str, object] | str, expected: str) -> None:
    evaluation = Evaluation(stack="dev")
    raw = value if isinstance(value, str) else json.dumps(value)
    with pytest.raises(SettingsError) as raised:
        evaluate({**MINIMAL, SETTING: raw}, "dev", into=evaluation)
    (problem,) = raised.value.problems
    assert problem.startswith(f"{SETTING}: ") and expected in problem, problem
    assert "\n" not in problem
    assert evaluation.resources == [], "nothing may be declared when accessKeys is invalid"


@pytest.mark.parametrize(
    "entries",
    [{"1": "active"}, {"1": {"status": "active"}}, {"1": {"accessKeyId": "AKIA1", "status": "on"}}, {"x": {}}],
    ids=["not-an-object", "no-key-id", "bad-status", "bad-generation"],
)
def test_an_access_keys_output_of_the_wrong_shape_is_one_line(entries: dict[str, object]) -> None:
    outputs = {**_run({"1": "active"}).outputs, "accessKeys": entries}
    with pytest.raises(CliError) as raised:
        check_outputs(outputs, ())
    assert str(raised.value).startswith("stack outputs: accessKeys ") and "\n" not in str(raised.value)
