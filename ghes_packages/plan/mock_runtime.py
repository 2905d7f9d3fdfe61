"""Two adjustments to the Pulumi SDK while the plan evaluates the program in the mock runtime.

Both touch private SDK names, so each is skipped when the pinned SDK no longer has them, and neither
changes what the program declares (tests/test_plan.py compares with a plain evaluation).

- Source positions: for every resource the SDK walks and stats the Python stack so the engine can show
  where it was declared; the mock monitor ignores it. Skipping it saves about a fifth of the time per
  stack, which `plan --all` pays once per stack.
- Event loops: the mock monitor gives each executor thread an event loop of its own and never closes it.
  Left to the garbage collector, such a loop's socket can be finalized before the loop, which then prints
  "Exception ignored in BaseEventLoop.__del__ ... Invalid file descriptor" on stderr, now and then. The
  loops are recorded as they are made and closed once the evaluation is over.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import resource as pulumi_resource
from pulumi.runtime.proto import source_pb2


@contextmanager
def lean_mock_runtime() -> Iterator[None]:
    """Within this block, skip source positions and close every event loop the mock monitor opens."""
    patches: dict[Any, tuple[str, Any]] = {}
    loops: dict[int, asyncio.AbstractEventLoop] = {}
    ensure_loop = getattr(pulumi_mocks, "_ensure_event_loop", None)

    def ensure_and_remember() -> asyncio.AbstractEventLoop:
        loop: asyncio.AbstractEventLoop = ensure_loop()  # type: ignore[misc]
        loops[id(loop)] = loop
        return loop

    if getattr(pulumi_resource, "_get_stack_trace", None) is not None:
        patches[pulumi_resource] = ("_get_stack_trace", source_pb2.StackTrace)
    if ensure_loop is not None:
        patches[pulumi_mocks] = ("_ensure_event_loop", ensure_and_remember)
    originals = {module: getattr(module, name) for module, (name, _) in patches.items()}
    for module, (name, replacement) in patches.items():
        setattr(module, name, replacement)
    try:
        yield
    finally:
        for module, (name, _) in patches.items():
            setattr(module, name, originals[module])
        for loop in loops.values():
            if not loop.is_running() and not loop.is_closed():
                loop.close()
