"""What a rotation does next, from what it finds: the resume logic, state by state (no processes)."""

from __future__ import annotations

import pytest

from ghes_packages.access_keys import parse_access_keys
from ghes_packages.rotate.steps import Action, Found, Refused, finish_steps, rotation_steps

OLD, NEW = "AKIAOLD0000000000000", "AKIANEW0000000000000"


def found(
    setting: str, deployed: dict[str, tuple[str, str]], appliance: str | None = None, verified: str | None = None
) -> Found:
    """`setting` as the stack declares it; `deployed`: generation -> (key id, status) the last up made."""
    outputs = {n: {"accessKeyId": key, "status": status} for n, (key, status) in deployed.items()}
    return Found(parse_access_keys(setting), outputs, appliance, verified)


def actions(steps: list) -> list[tuple[Action, str]]:  # type: ignore[type-arg]
    return [(s.action, s.value) for s in steps]


def test_a_fresh_stack_rotates_in_six_steps_and_deactivates_last() -> None:
    steps = rotation_steps(found('{"1":"active"}', {"1": (OLD, "active")}))
    assert actions(steps) == [
        (Action.ADD, ""),
        (Action.DEPLOY, '{"1":"active","2":"active"}'),
        (Action.VERIFY, ""),
        (Action.CONFIGURE, ""),
        (Action.DEACTIVATE, ""),
        (Action.DEPLOY, '{"1":"inactive","2":"active"}'),
    ]


def test_a_stack_from_before_generations_is_deployed_first() -> None:
    steps = rotation_steps(found('{"1":"active"}', {}))
    assert steps[0].action is Action.DEPLOY and steps[1].action is Action.ADD


def test_added_but_not_deployed_resumes_with_the_deploy() -> None:
    steps = rotation_steps(found('{"1":"active","2":"active"}', {"1": (OLD, "active")}))
    assert [s.action for s in steps] == [Action.DEPLOY, Action.VERIFY, Action.CONFIGURE, Action.DEACTIVATE, Action.DEPLOY]


def test_deployed_with_the_appliance_still_on_the_old_key_verifies_and_configures() -> None:
    state = found('{"1":"active","2":"active"}', {"1": (OLD, "active"), "2": (NEW, "active")}, appliance=OLD)
    assert [s.action for s in rotation_steps(state)] == [Action.VERIFY, Action.CONFIGURE, Action.DEACTIVATE, Action.DEPLOY]


def test_an_appliance_already_on_the_new_key_is_not_configured_again() -> None:
    state = found('{"1":"active","2":"active"}', {"1": (OLD, "active"), "2": (NEW, "active")}, appliance=NEW)
    assert Action.CONFIGURE not in [s.action for s in rotation_steps(state)]


def test_a_key_this_run_verified_is_not_verified_again() -> None:
    state = found('{"1":"active","2":"active"}', {"1": (OLD, "active"), "2": (NEW, "active")}, OLD, verified=NEW)
    assert [s.action for s in rotation_steps(state)] == [Action.CONFIGURE, Action.DEACTIVATE, Action.DEPLOY]


def test_having_verified_another_key_does_not_count() -> None:
    state = found('{"1":"active","2":"active"}', {"1": (OLD, "active"), "2": (NEW, "active")}, NEW, verified=OLD)
    assert rotation_steps(state)[0].action is Action.VERIFY


def test_the_old_key_is_deactivated_only_after_the_appliance_moved() -> None:
    for appliance in (OLD, None, "AKIASOMETHINGELSE000"):
        state = found('{"1":"active","2":"active"}', {"1": (OLD, "active"), "2": (NEW, "active")}, appliance)
        steps = [s.action for s in rotation_steps(state)]
        assert steps.index(Action.CONFIGURE) < steps.index(Action.DEACTIVATE), f"appliance on {appliance}"


def test_deactivated_but_not_deployed_resumes_with_the_deploy_and_then_stops() -> None:
    state = found('{"1":"inactive","2":"active"}', {"1": (OLD, "active"), "2": (NEW, "active")})
    assert actions(rotation_steps(state)) == [(Action.DEPLOY, '{"1":"inactive","2":"active"}')]


def test_a_done_rotation_has_no_step_left() -> None:
    state = found('{"1":"inactive","2":"active"}', {"1": (OLD, "inactive"), "2": (NEW, "active")})
    assert rotation_steps(state) == []


def test_finish_removes_the_inactive_generation_once_the_appliance_holds_the_new_key() -> None:
    state = found('{"1":"inactive","2":"active"}', {"1": (OLD, "inactive"), "2": (NEW, "active")}, appliance=NEW)
    assert actions(finish_steps(state)) == [(Action.REMOVE, ""), (Action.DEPLOY, '{"2":"active"}')]


def test_finish_is_refused_while_the_appliance_reports_the_old_key() -> None:
    state = found('{"1":"inactive","2":"active"}', {"1": (OLD, "inactive"), "2": (NEW, "active")}, appliance=OLD)
    with pytest.raises(Refused, match="the appliance still reports generation 1's key"):
        finish_steps(state)


def test_finish_is_refused_while_the_old_generation_is_active() -> None:
    state = found('{"1":"active","2":"active"}', {"1": (OLD, "active"), "2": (NEW, "active")}, appliance=NEW)
    with pytest.raises(Refused, match="generation 1 is still active"):
        finish_steps(state)


def test_finish_after_finishing_has_nothing_to_do() -> None:
    assert finish_steps(found('{"2":"active"}', {"2": (NEW, "active")})) == []


def test_a_finish_that_stopped_before_its_deploy_resumes_with_it() -> None:
    state = found('{"2":"active"}', {"1": (OLD, "inactive"), "2": (NEW, "active")})
    assert actions(finish_steps(state)) == [(Action.DEPLOY, '{"2":"active"}')]


def test_the_next_rotation_after_a_finish_adds_generation_3() -> None:
    steps = rotation_steps(found('{"2":"active"}', {"2": (NEW, "active")}))
    assert steps[1].value == '{"2":"active","3":"active"}'
