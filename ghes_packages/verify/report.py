"""What `verify` found: one row per check, each proving (or failing to prove) exactly one IAM action."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Expect(enum.StrEnum):
    """What the access key must be able to do."""

    ALLOWED = "allowed"
    DENIED = "denied"


class Result(enum.StrEnum):
    """How a check ended."""

    OK = "ok"
    FAILED = "failed"
    """A permission finding: a needed action is denied, or an action that must be denied is allowed."""
    INCONCLUSIVE = "inconclusive"
    """The service answered something that proves neither (an unexpected error, a wrong read-back)."""
    SKIPPED = "skipped"
    """Not run, because an earlier check it depends on failed, or running it could not be made harmless."""


@dataclass(frozen=True)
class Check:
    """One check and its outcome."""

    check: str
    action: str
    """The one IAM action the check proves."""
    expected: Expect
    result: Result
    detail: str
    ms: float
    bucket: str | None = None
    """The bucket the action was tried on, when it is not the Packages bucket (the Actions bucket)."""

    @property
    def ok(self) -> bool:
        return self.result is Result.OK

    @property
    def permission(self) -> str:
        """The action, with the bucket when it is not the Packages bucket."""
        return f"{self.action} on bucket {self.bucket}" if self.bucket else self.action

    @property
    def summary(self) -> str:
        """The result column: ok, or what is wrong, naming the permission."""
        if self.result is Result.OK:
            return "ok"
        if self.result is Result.FAILED:
            finding = "missing" if self.expected is Expect.ALLOWED else "excess"
            return f"FAILED: {finding} {self.permission} ({self.detail})"
        return f"{self.result.value.upper()} ({self.permission}): {self.detail}"

    def as_json(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "action": self.action,
            "bucket": self.bucket,
            "expected": self.expected.value,
            "result": self.result.value,
            "ok": self.ok,
            "ms": round(self.ms, 1),
            "detail": self.detail,
        }


@dataclass
class Report:
    """Every check of one run, what was left behind, and how many requests it took."""

    bucket: str
    access_key_id: str
    service_url: str
    checks: list[Check] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)
    """What the run wrote and could not remove, one line each."""
    requests: int = 0

    def _findings(self, expected: Expect) -> list[str]:
        found = [c.permission for c in self.checks if c.result is Result.FAILED and c.expected is expected]
        return list(dict.fromkeys(found))

    @property
    def missing(self) -> list[str]:
        """Needed permissions the key lacks."""
        return self._findings(Expect.ALLOWED)

    @property
    def excess(self) -> list[str]:
        """Permissions the key has and must not have."""
        return self._findings(Expect.DENIED)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks) and not self.leftovers

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "bucket": self.bucket,
            "accessKeyId": self.access_key_id,
            "serviceUrl": self.service_url,
            "missing": self.missing,
            "excess": self.excess,
            "leftovers": self.leftovers,
            "requests": self.requests,
            "checks": [c.as_json() for c in self.checks],
        }

    def as_table(self) -> str:
        rows = [("check", "expected", "result", "time")]
        rows += [(c.check, c.expected.value, c.summary, f"{c.ms:.0f} ms") for c in self.checks]
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        lines = [f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]:>{widths[3]}}" for r in rows]
        lines += [f"left behind: {item}" for item in self.leftovers]
        lines.append(self.verdict)
        return "\n".join(lines)

    @property
    def verdict(self) -> str:
        """One closing line."""
        if self.ok:
            return (
                f"ok: access key {self.access_key_id} can do exactly what GHES Packages needs on bucket {self.bucket} "
                f"({self.requests} requests)"
            )
        parts = []
        if self.missing:
            parts.append(f"missing {', '.join(self.missing)}")
        if self.excess:
            parts.append(f"excess {', '.join(self.excess)}")
        others = [c for c in self.checks if c.result in (Result.INCONCLUSIVE, Result.SKIPPED)]
        if others:
            parts.append(f"{len(others)} check(s) inconclusive or skipped")
        if self.leftovers:
            parts.append(f"{len(self.leftovers)} thing(s) left behind")
        return f"FAILED: access key {self.access_key_id} on bucket {self.bucket}: {'; '.join(parts)}"
