"""The reminder agent: one LangGraph thread per client reminder, paused for a person's decision.

    gather_context → draft → queue_for_review
        → await_decision (interrupt) ─┬─ approve / reject / superseded → finish → END
                                      └─ redraft (a tone or an instruction) → draft

The pause carries the review payload in agent-inbox's vocabulary (the facts, the draft and the
allowed actions accept / edit / respond / ignore). The person's decision is stored on the draft
row first (the source of truth; approval also writes the outbox row), then the thread resumes
with it and only routes: nothing is sent or enqueued from here.

``gather_context`` reads the ledger facts and the client's risk view in one read scope.
``draft`` plans (tone policy, send time), asks the LLM (checked, one retry with the violations
as feedback) and falls back to the templates, recording why, then runs the guardrails once
more on what will be queued and refuses to queue anything that fails them. Each node is one
LangGraph step, and a step costs about half a millisecond of bookkeeping, so steps are kept
to the points where the work changes kind (read, write text, store, pause).

State holds ids and small JSON only (it is checkpointed). Every node opens its own short
transaction through the tools; ``await_decision`` does nothing but ``interrupt`` because a node
re-runs from its start on resume.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, TypedDict

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command, interrupt
from sqlalchemy.engine import Engine

from agent.settings import Settings
from agent.tools import drafting as drafting_tools
from agent.tools import ledger as ledger_tools
from agent.tools import review as review_tools
from agent.tools.drafting import DraftingKit


class DraftRejected(RuntimeError):
    """No draft that passes the guardrails could be written for this thread."""


class ReminderState(TypedDict, total=False):
    thread_id: str
    as_of: str
    context: dict[str, Any]
    risk: dict[str, Any]
    plan: dict[str, Any]
    draft: dict[str, Any]
    violations: list[str]
    draft_id: int | None
    decision: dict[str, Any] | None
    outcome: str
    reason: str | None
    tone_override: str | None
    instruction: str | None


@dataclass(frozen=True)
class AgentDeps:
    """What the nodes need; passed in, never global."""

    engine: Engine
    settings: Settings
    drafting: DraftingKit


def build_graph(deps: AgentDeps, checkpointer: BaseCheckpointSaver | None) -> CompiledStateGraph:
    def gather_context(state: ReminderState) -> ReminderState:
        context, risk = ledger_tools.gather(
            deps.engine,
            thread_id=state["thread_id"],
            as_of=date.fromisoformat(state["as_of"]),
            settings=deps.settings,
        )
        return {"context": context} if risk is None else {"context": context, "risk": risk}

    def after_context(state: ReminderState) -> str:
        return "draft" if state["context"]["invoices"] else END

    def plan_action(state: ReminderState) -> dict[str, Any]:
        """The tone policy's plan, with the reviewer's tone or instruction from a redraft."""
        plan = drafting_tools.plan(state["context"], state["risk"])
        if state.get("instruction"):
            plan = {**plan, "instruction": state["instruction"]}
        if state.get("tone_override") and state["tone_override"] != plan["tone"]:
            plan = {
                **plan,
                "tone": state["tone_override"],
                "tone_reason": f"the reviewer asked for {state['tone_override']} "
                f"(the agent's choice was {plan['tone']}: {plan['tone_reason']})",
            }
        return plan

    def draft(state: ReminderState) -> ReminderState:
        plan = plan_action(state)
        written = deps.drafting.write(state["context"], plan)
        violations = deps.drafting.check(state["context"], plan, written)
        if violations:
            # Even the template failed (e.g. a name it cannot render safely): a person must
            # look. The claim stays without a draft and the sweep reports the failure.
            raise DraftRejected("; ".join(violations))
        return {"plan": plan, "draft": written, "violations": []}

    def queue_for_review(state: ReminderState) -> ReminderState:
        stored = review_tools.queue(deps.engine, state=dict(state), settings=deps.settings)
        draft = {**state["draft"], "subject": stored["subject"], "body": stored["body"]}
        return {"draft_id": stored["id"], "draft": draft, "outcome": "pending_review"}

    def await_decision(state: ReminderState) -> ReminderState:
        # Nothing with side effects before ``interrupt``: the node re-runs from here on resume.
        decision = interrupt(review_request(state))
        return {"decision": decision}

    def finish(state: ReminderState) -> ReminderState:
        decision = state.get("decision") or {}
        return {
            "outcome": str(decision.get("decision", "unknown")),
            "reason": decision.get("reason"),
        }

    def prepare_redraft(state: ReminderState) -> ReminderState:
        decision = state.get("decision") or {}
        return {
            "tone_override": decision.get("tone") or state.get("tone_override"),
            "instruction": decision.get("instruction"),
            "decision": None,
        }

    builder = StateGraph(ReminderState)
    builder.add_node("gather_context", gather_context)
    builder.add_node("draft", draft)
    builder.add_node("queue_for_review", queue_for_review)
    builder.add_node("await_decision", await_decision)
    builder.add_node("finish", finish)
    builder.add_node("prepare_redraft", prepare_redraft)
    builder.add_edge(START, "gather_context")
    builder.add_conditional_edges("gather_context", after_context)
    builder.add_edge("draft", "queue_for_review")
    builder.add_edge("queue_for_review", "await_decision")
    builder.add_conditional_edges("await_decision", route_decision)
    builder.add_edge("prepare_redraft", "draft")
    builder.add_edge("finish", END)
    return builder.compile(checkpointer=checkpointer)


ALLOWED_ACTIONS = {"accept": True, "edit": True, "respond": True, "ignore": True}


def review_request(state: ReminderState) -> dict[str, Any]:
    """What the pause shows a person, in agent-inbox's ``HumanInterrupt`` shape."""
    context = state.get("context") or {}
    written = state.get("draft") or {}
    return {
        "action_request": {"action": "send_reminder", "args": {"draft_id": state["draft_id"]}},
        "config": {f"allow_{name}": allowed for name, allowed in ALLOWED_ACTIONS.items()},
        "description": f"Reminder to {context.get('client', {}).get('name', '?')}",
        "draft_id": state["draft_id"],
        "thread_id": state["thread_id"],
        "facts": {
            "client": context.get("client"),
            "invoices": context.get("invoices", []),
            "plan": state.get("plan"),
        },
        "draft": {"subject": written.get("subject"), "body": written.get("body")},
    }


def route_decision(state: ReminderState) -> str:
    """approve, reject or superseded end the thread; a redraft plans again."""
    decision = (state.get("decision") or {}).get("decision")
    return "prepare_redraft" if decision == "redraft" else "finish"


def thread_config(thread_id: str) -> RunnableConfig:
    return {"configurable": {"thread_id": thread_id}}


class GraphPipeline:
    """The sweep's ``DraftPipeline``: runs a thread until it pauses for review."""

    def __init__(self, deps: AgentDeps, checkpointer: BaseCheckpointSaver) -> None:
        self._graph = build_graph(deps, checkpointer)

    def start(
        self, *, thread_id: str, as_of: date, tone: str | None = None, new: bool = False
    ) -> int | None:
        """Run the thread until it pauses; ``tone`` overrides the tone policy (a redraft).

        A thread ``new`` to its caller (just claimed, under a fresh id) is started without
        first reading its state: there is none, and the read is a query per reminder.
        """
        config = thread_config(thread_id)
        start: ReminderState | None = {
            "thread_id": thread_id,
            "as_of": as_of.isoformat(),
            "tone_override": tone,
        }
        if not new:
            snapshot = self._graph.get_state(config)
            if snapshot.values.get("draft_id") is not None:
                return None
            if snapshot.next:  # a run cut short: go on from where it stopped
                start = None
        # durability="exit": one checkpoint when the thread pauses for review instead of one per
        # node. A crash before that re-runs the thread from the start, which is safe: the claim
        # is already committed and storing the draft is idempotent per thread.
        result = self._graph.invoke(start, config, durability="exit")
        return result.get("draft_id")

    def resume(self, *, thread_id: str, decision: dict[str, Any]) -> dict[str, Any]:
        """Continue a paused thread with the decision already stored on the draft."""
        return self._graph.invoke(Command(resume=decision), thread_config(thread_id))

    def review_request(self, *, thread_id: str) -> dict[str, Any] | None:
        """The payload the paused thread shows a person, or None when it is not paused."""
        snapshot = self._graph.get_state(thread_config(thread_id))
        for task in snapshot.tasks:
            for paused in task.interrupts:
                return dict(paused.value)
        return None

    def state(self, *, thread_id: str) -> dict[str, Any]:
        return dict(self._graph.get_state(thread_config(thread_id)).values)
