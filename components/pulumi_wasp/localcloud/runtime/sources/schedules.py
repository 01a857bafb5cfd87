"""Schedules: EventBridge rules with a schedule expression and EventBridge Scheduler schedules,
fired on the local clock (rate, cron and at expressions; Scheduler's time zones) and delivered
like any EventBridge target (retry policy, DLQ). :meth:`Schedules.fire` delivers one run now,
exactly as a tick would."""

from __future__ import annotations

import re
import threading
import uuid
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from pulumi_wasp.localcloud.runtime.threads import join_until

if TYPE_CHECKING:
    from pulumi_wasp.localcloud.runtime.ports import RuntimePort

_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\((.+)\)$")
_AT = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")
_MONTHS = {
    m: i for i, m in enumerate(("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1)
}
_DAYS = {d: i for i, d in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), 1)}
#: How far ahead a cron expression is searched (its year field can rule out every date).
_HORIZON_DAYS = 366 * 5


def _values(field: str, low: int, high: int, names: dict[str, int] | None = None) -> set[int] | None:
    """The values a cron field allows; None for any (``*`` or ``?``)."""
    if field in ("*", "?"):
        return None
    allowed: set[int] = set()
    for part in field.split(","):
        for name, number in (names or {}).items():
            part = part.replace(name, str(number))
        step = 1
        if "/" in part:
            part, step_text = part.split("/")
            step = int(step_text)
        if part == "*":
            start, end = low, high
        elif "-" in part:
            start, end = (int(v) for v in part.split("-"))
        else:
            start = int(part)
            end = high if step > 1 else start
        if not low <= start <= end <= high:
            raise ValueError(f"cron field {field!r}: values must be {low}..{high}")
        allowed.update(range(start, end + 1, step))
    return allowed


def next_cron(expression: str, after: datetime) -> datetime | None:
    """The first time strictly after ``after`` (in its time zone) that the 6-field AWS cron
    expression (minutes hours day-of-month month day-of-week year) matches."""
    fields = expression.split()
    if len(fields) != 6:
        raise ValueError(f"cron({expression}): AWS cron expressions have 6 fields")
    if any(mark in expression for mark in ("L", "W", "#")):
        raise ValueError(f"cron({expression}): L, W and # are not supported locally")
    minutes, hours = _values(fields[0], 0, 59), _values(fields[1], 0, 23)
    days, months = _values(fields[2], 1, 31), _values(fields[3], 1, 12, _MONTHS)
    weekdays, years = _values(fields[4], 1, 7, _DAYS), _values(fields[5], 1970, 2199)
    start = (after + timedelta(minutes=1)).replace(second=0, microsecond=0)
    for offset in range(_HORIZON_DAYS):
        day = (start + timedelta(days=offset)).date()
        if (years and day.year not in years) or (months and day.month not in months) or (days and day.day not in days):
            continue
        if weekdays and (day.isoweekday() % 7) + 1 not in weekdays:
            continue
        for hour in sorted(hours or range(24)):
            for minute in sorted(minutes or range(60)):
                candidate = datetime(day.year, day.month, day.day, hour, minute, tzinfo=after.tzinfo)
                if candidate >= start:
                    return candidate
    return None


@dataclass
class _Schedule:
    name: str
    arn: str
    expression: str
    zone: zoneinfo.ZoneInfo
    targets: list[dict[str, Any]]
    #: EventBridge rules deliver a "Scheduled Event"; Scheduler delivers the target's Input.
    is_rule: bool
    due: datetime | None = None

    def next_after(self, now: datetime, created: datetime) -> datetime | None:
        if match := _RATE.match(self.expression):
            unit = match[2].rstrip("s") + "s"
            period = timedelta(**{unit: int(match[1])})
            elapsed = now - created
            return created + period * (elapsed // period + 1)
        if match := _CRON.match(self.expression):
            found = next_cron(match[1], now.astimezone(self.zone))
            return found.astimezone(UTC) if found else None
        if match := _AT.match(self.expression):
            when = datetime.fromisoformat(match[1]).replace(tzinfo=self.zone).astimezone(UTC)
            return when if when > now else None
        raise ValueError(f"unknown schedule expression {self.expression!r}")


class Schedules:
    def __init__(self, runtime: RuntimePort) -> None:
        self._runtime = runtime
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="schedules", daemon=True)
        self.schedules: dict[str, _Schedule] = {}
        self.fired: list[tuple[str, datetime]] = []

    def start(self) -> None:
        self._load()
        self._thread.start()

    def stop(self) -> None:
        """Fire no more; returns at once."""
        self._stop.set()
        self._wake.set()

    def join(self, deadline: float) -> list[str]:
        return join_until([self._thread], deadline)

    def _load(self) -> None:
        registry, emulator = self._runtime.registry, self._runtime.emulator
        events, scheduler = emulator.client("events"), emulator.client("scheduler")
        for key in registry.scheduled_rules:
            bus, name = key.split("/", 1)
            rule = events.describe_rule(Name=name, EventBusName=bus)
            if rule.get("State") == "ENABLED":
                targets = events.list_targets_by_rule(Rule=name, EventBusName=bus)["Targets"]
                self.schedules[name] = _Schedule(
                    name, rule["Arn"], rule["ScheduleExpression"], zoneinfo.ZoneInfo("UTC"), targets, True
                )
        for key in registry.schedules:
            group, name = key.split("/", 1)
            found = scheduler.get_schedule(Name=name, GroupName=group)
            if found.get("State", "ENABLED") == "ENABLED":
                zone = zoneinfo.ZoneInfo(found.get("ScheduleExpressionTimezone") or "UTC")
                self.schedules[name] = _Schedule(
                    name, found["Arn"], found["ScheduleExpression"], zone, [found["Target"]], False
                )

    def fire(self, name: str) -> None:
        """Deliver one run of ``name`` now (a schedule or a scheduled rule)."""
        schedule = self.schedules[name]
        now = self._runtime.clock.now()
        event: dict[str, Any] = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events" if schedule.is_rule else "aws.scheduler",
            "account": self._runtime.emulator.account_id,
            "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": self._runtime.emulator.region,
            "resources": [schedule.arn],
            "detail": {},
        }
        for target in schedule.targets:
            # Scheduler sends the target's Input (an empty object without one).
            delivered = target if schedule.is_rule or "Input" in target else {**target, "Input": "{}"}
            self._runtime.deliver(schedule.arn, delivered, event)
        self.fired.append((name, now))

    def _run(self) -> None:
        clock = self._runtime.clock
        created = clock.now()
        for schedule in self.schedules.values():
            schedule.due = schedule.next_after(created, created)
        while not self._stop.is_set():
            now = clock.now()
            for schedule in self.schedules.values():
                if schedule.due is not None and schedule.due <= now:
                    self.fire(schedule.name)
                    schedule.due = schedule.next_after(now, created)
            upcoming = [s.due for s in self.schedules.values() if s.due is not None]
            wait = clock.real((min(upcoming) - now).total_seconds()) if upcoming else None
            self._wake.wait(timeout=None if wait is None else max(0.0, wait))
            self._wake.clear()
