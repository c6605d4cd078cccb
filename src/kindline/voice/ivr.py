"""The IVR runner: walks a flow with the keys a caller pressed and answers what
they heard and where the call stands.

Where a caller is follows from the keys already pressed alone (the contact's
IVR path), so the switch may send keys one at a time: the path is replayed
without running any action again, then only the new keys run. A key nobody
defined (or silence, sent as "") repeats the menu after a short apology;
after `max_invalid` of those in a row the call goes to a human, as it does at
once on 0 from any node.

Path steps are "node:key", with "!action" appended when the key ran a
self-service action (the hotline counts such a call as self-served when the
caller hangs up in the IVR).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from kindline.voice.flow import HUMAN_KEY, Flow


@dataclass
class Position:
    node: str
    invalid: int = 0  # wrong or missing keys in a row
    queue: str | None = None  # set once the call went to a human queue


@dataclass
class Walk:
    prompts: list[str] = field(default_factory=list)
    path: list[str] = field(default_factory=list)  # the steps of this walk only
    actions: list[str] = field(default_factory=list)
    node: str = ""
    queue: str | None = None

    @property
    def outcome(self) -> str:
        """queue (to a human), or menu (still in the IVR, waiting for a key)."""
        return "queue" if self.queue else "menu"


def _advance(flow: Flow, where: Position, key: str) -> tuple[str, str | None, bool]:
    """Move on one key; answers the path step, the action to run (if any) and
    whether the key meant anything at this node."""
    if where.node not in flow.nodes:  # the flow file changed during the call: start over
        where.node = flow.start
    node = flow.node(where.node)
    step = node.keys.get(key)
    if key == HUMAN_KEY:
        where.queue, where.invalid = flow.human_queue, 0
        return f"{node.code}:{key}", None, True
    if step is None:
        where.invalid += 1
        if where.invalid >= flow.max_invalid:
            where.queue = flow.human_queue
        return f"{node.code}:{key or '-'}", None, False
    where.invalid = 0
    if step.queue:
        where.queue = step.queue
    elif step.goto:
        where.node = step.goto
    else:
        where.node = flow.after_action
        return f"{node.code}:{key}!{step.action}", step.action, True
    return f"{node.code}:{key}", None, True


def position(flow: Flow, path: Iterable[str]) -> Position:
    """Where the caller is after the steps already taken (no action runs again)."""
    where = Position(flow.start)
    for step in path:
        _, _, key = step.partition(":")
        _advance(flow, where, key.partition("!")[0].replace("-", ""))
        if where.queue:
            break
    return where


def walk(flow: Flow, path: list[str], keys: Iterable[str], run: Callable[[str], str]) -> Walk:
    """Press `keys` after `path`; `run(action)` answers an action's spoken text.
    With no keys at all on a fresh call, the caller hears the welcome menu."""
    where = position(flow, path)
    done = Walk(node=where.node, queue=where.queue)
    if where.queue:
        return done
    keys = list(keys)
    if not path and not keys:
        done.prompts.append(flow.node(flow.start).prompt)
    for key in keys:
        step, action, meant = _advance(flow, where, key.strip())
        done.path.append(step)
        if where.queue:
            done.prompts.append(flow.human_prompt)
            break
        if action:
            done.actions.append(action)
            done.prompts.append(run(action))
        elif not meant:
            done.prompts.append(flow.invalid_prompt)
        done.prompts.append(flow.node(where.node).prompt)
    done.node, done.queue = where.node, where.queue
    return done
