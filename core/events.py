"""Domain events: what each module declares it emits, checked when it emits.

An event is published with ``await ctx.emit(name, payload)`` (``core.context.Context.emit``), the one
emission path: plugins react through ``cc_on_event`` in the same transaction, and anything built on
events (webhooks, audit) sees exactly what plugins see. Each module declares its events once as
:class:`EventSpec` values (built-in plugins in their ``api.py``, returned by the ``cc_events`` hook;
core's own here), and :func:`check_payload` holds every emitted payload to its declaration: the keys
are exactly the declared ones, all ``snake_case``. docs/writing-a-plugin.md §5 lists them all; the
table there is :func:`markdown_table` of the declarations (a test keeps it so).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

SNAKE_CASE = re.compile(r"^[a-z][a-z0-9_]*$")
EVENT_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


@dataclass(frozen=True)
class EventKey:
    """One key of an event's payload: its JSON type and what it means."""

    name: str
    type: str
    meaning: str


@dataclass(frozen=True)
class EventSpec:
    """An event a module emits: its name (``object.verb``), the module, when it is emitted, its payload.

    ``every_plugin`` events reach every installed plugin, enabled for the tenant or not."""

    name: str
    module: str
    when: str
    payload: tuple[EventKey, ...]
    every_plugin: bool = False

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(k.name for k in self.payload)


def event_spec(name: str, module: str, when: str, *keys: tuple[str, str, str], every_plugin: bool = False) -> EventSpec:
    """An :class:`EventSpec` from ``(key, type, meaning)`` triples (declarations stay one line per key)."""
    return EventSpec(name, module, when, tuple(EventKey(*k) for k in keys), every_plugin)


class EventSpecError(ValueError):
    """A declaration that breaks the rules (name, casing, duplicates)."""


def check_spec(s: EventSpec) -> None:
    if not EVENT_NAME.match(s.name):
        raise EventSpecError(f"event name {s.name!r} must be dotted lower-case words, e.g. 'renewal.created'")
    names = [k.name for k in s.payload]
    bad = [n for n in names if not SNAKE_CASE.match(n)]
    if bad:
        raise EventSpecError(f"event {s.name}: payload keys must be snake_case, got {bad}")
    if len(set(names)) != len(names):
        raise EventSpecError(f"event {s.name}: a payload key is declared twice")


class EventPayloadError(TypeError):
    """An emitted payload that is not what its event declares (a bug in the emitting module)."""


def check_payload(declared: Mapping[str, EventSpec], event: str, payload: Mapping[str, Any]) -> None:
    """Refuse a payload of a declared event whose keys differ from the declaration. Events nobody
    declared (a plugin's private ones) pass unchecked."""
    s = declared.get(event)
    if s is None:
        return
    keys = set(payload)
    if keys != s.keys:
        missing, extra = sorted(s.keys - keys), sorted(keys - s.keys)
        raise EventPayloadError(
            f"event {event}: payload keys differ from its declaration (missing {missing}, extra {extra})"
        )


def catalogue(specs: Iterable[EventSpec]) -> dict[str, EventSpec]:
    """Declarations by name; a name declared twice is refused."""
    out: dict[str, EventSpec] = {}
    for s in specs:
        check_spec(s)
        if s.name in out:
            raise EventSpecError(f"event {s.name} is declared by both {out[s.name].module} and {s.module}")
        out[s.name] = s
    return out


def markdown_table(specs: Iterable[EventSpec]) -> str:
    """The guide's event table: one row per event, its payload keys as ``key`` (type) — meaning."""
    lines = ["| event | module | when | payload |", "|---|---|---|---|"]
    for s in sorted(specs, key=lambda s: (s.module != "core", s.module, s.name)):
        keys = "<br>".join(f"`{k.name}` ({k.type}) {k.meaning}".replace("|", "\\|") for k in s.payload)
        when = s.when.replace("|", "\\|") + (" Delivered to every installed plugin." if s.every_plugin else "")
        lines.append(f"| `{s.name}` | {s.module} | {when} | {keys} |")
    return "\n".join(lines) + "\n"


GUIDE_BEGIN = "<!-- events:begin"
GUIDE_END = "<!-- events:end -->"


def rewrite_guide(text: str, specs: Iterable[EventSpec]) -> str:
    """``text`` (docs/writing-a-plugin.md) with the table between its event markers regenerated."""
    start = text.index("\n", text.index(GUIDE_BEGIN)) + 1
    return text[:start] + markdown_table(specs) + text[text.index(GUIDE_END) :]


if __name__ == "__main__":  # python -m core.events docs/writing-a-plugin.md: regenerate the guide's table
    import sys
    from pathlib import Path

    from core.plugins import built_in_plugins, load_plugins

    guide = Path(sys.argv[1])
    guide.write_text(rewrite_guide(guide.read_text(), load_plugins(only=built_in_plugins()).events.values()))
