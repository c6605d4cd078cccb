"""IVR flows as data: menu nodes with Chinese prompts, and what each key does.

A key goes to another node (`goto`), runs a self-service action (`action`:
balance, allowances, bill, reopen, report_fault; answered by the same domain
services as the portal, answers.py) or hands the call to a human queue
(`queue`, whose skill the routing policy knows). Key 0 reaches a human from
any node: a flow may not give 0 another meaning. After an action the caller
hears the answer and then the flow's `after_action` node.

Flows live in voice/flows/<code>.yaml (the demo operator's is demo.yaml).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from kindline.core.errors import not_found

FOLDER = Path(__file__).resolve().parent / "flows"
ACTIONS = {"balance": "话费余额", "allowances": "套餐余量", "bill": "上月账单", "reopen": "临时开机1小时",
           "report_fault": "故障报修"}
HUMAN_KEY = "0"
KEYS = frozenset("0123456789*#")


@dataclass(frozen=True)
class Step:
    """What a key does: exactly one of goto, action, queue."""

    goto: str | None = None
    action: str | None = None
    queue: str | None = None


@dataclass(frozen=True)
class Node:
    code: str
    prompt: str
    keys: dict[str, Step]


@dataclass(frozen=True)
class Flow:
    code: str
    name: str
    start: str
    after_action: str
    human_queue: str
    nodes: dict[str, Node]
    invalid_prompt: str = "您的输入有误，请重新选择。"
    human_prompt: str = "正在为您转接人工服务，请稍候。"
    max_invalid: int = 3  # wrong or missing keys in a row before the call goes to a human

    def node(self, code: str) -> Node:
        return self.nodes[code]


def _step(flow: str, node: str, key: str, raw: dict[str, Any]) -> Step:
    given = [name for name in ("goto", "action", "queue") if raw.get(name)]
    if len(given) != 1:
        raise ValueError(f"flow {flow}, node {node}, key {key}: give exactly one of goto, action, queue")
    step = Step(goto=raw.get("goto"), action=raw.get("action"), queue=raw.get("queue"))
    if step.action and step.action not in ACTIONS:
        raise ValueError(f"flow {flow}, node {node}, key {key}: unknown action {step.action}")
    return step


def parse(data: dict[str, Any]) -> Flow:
    code = data["code"]
    nodes: dict[str, Node] = {}
    for name, raw in data["nodes"].items():
        keys = {str(key): _step(code, name, str(key), step) for key, step in (raw.get("keys") or {}).items()}
        if bad := [k for k in keys if k not in KEYS]:
            raise ValueError(f"flow {code}, node {name}: keys must be 0-9, * or #, not {bad}")
        if HUMAN_KEY in keys:
            raise ValueError(f"flow {code}, node {name}: key 0 always reaches a human and cannot be redefined")
        nodes[name] = Node(name, raw["prompt"].strip(), keys)
    flow = Flow(code=code, name=data.get("name", code), start=data["start"], after_action=data["after_action"],
                human_queue=data["human_queue"], nodes=nodes,
                invalid_prompt=data.get("invalid_prompt", Flow.invalid_prompt),
                human_prompt=data.get("human_prompt", Flow.human_prompt),
                max_invalid=int(data.get("max_invalid", Flow.max_invalid)))
    for name in (flow.start, flow.after_action):
        if name not in nodes:
            raise ValueError(f"flow {code}: node {name} is not defined")
    for node in nodes.values():
        for key, step in node.keys.items():
            if step.goto and step.goto not in nodes:
                raise ValueError(f"flow {code}, node {node.code}, key {key}: no node {step.goto}")
    return flow


@lru_cache
def load(code: str, folder: str | None = None) -> Flow:
    path = Path(folder or FOLDER) / f"{code}.yaml"
    if not code.replace("-", "").replace("_", "").isalnum() or not path.is_file():
        raise not_found("ivr_flow", "语音导航流程", code)
    return parse(yaml.safe_load(path.read_text(encoding="utf-8")))


def queues_named(flow: Flow) -> set[str]:
    """Every queue the flow can send a call to (checked against the routing policy)."""
    return {flow.human_queue} | {s.queue for n in flow.nodes.values() for s in n.keys.values() if s.queue}
