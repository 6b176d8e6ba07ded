"""The same plan -> (act -> reflect)* -> finalize loop on LangGraph with its Postgres checkpointer.

Bench-only (bench/requirements.txt). The act node calls the same LLM gateway and built-in model
as our writer; as LangGraph applications usually do, the growing draft lives in the graph state.
"""
from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import TypedDict

import psycopg
from langgraph.checkpoint.postgres import PostgresSaver
from langgraph.graph import END, START, StateGraph
from psycopg_pool import ConnectionPool

from agents.llm import LLMGateway


class LoopState(TypedDict, total=False):
    goal: str
    sections: int
    words: int
    written: int
    draft: str
    route: str


def build_graph(checkpointer: PostgresSaver, latency: float = 0.0):
    gateway = LLMGateway(["handywriterz/offline"], provider_options={"offline_latency": latency})

    def plan(state: LoopState) -> LoopState:
        return {"written": 0, "draft": ""}

    def act(state: LoopState) -> LoopState:
        result = gateway.complete("write_section", {
            "goal": state["goal"], "title": "Bench", "deliverable": "essay", "heading": f"Section {state['written']}",
            "points": ["examine the topic"], "words": state["words"], "previous": []})
        return {"written": state["written"] + 1, "draft": state["draft"] + "\n\n" + result.text}

    def reflect(state: LoopState) -> LoopState:
        return {"route": "act" if state["written"] < state["sections"] else "finalize"}

    def finalize(state: LoopState) -> LoopState:
        return {"route": "done"}

    graph = StateGraph(LoopState)
    for name, node in (("plan", plan), ("act", act), ("reflect", reflect), ("finalize", finalize)):
        graph.add_node(name, node)
    graph.add_edge(START, "plan")
    graph.add_edge("plan", "act")
    graph.add_edge("act", "reflect")
    graph.add_conditional_edges("reflect", lambda state: state["route"], {"act": "act", "finalize": "finalize"})
    graph.add_edge("finalize", END)
    return graph.compile(checkpointer=checkpointer)


class Peer:
    """LangGraph + PostgresSaver on its own database (created if missing)."""

    def __init__(self, admin_url: str, database: str = "hw_bench_langgraph", pool_size: int = 20) -> None:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone():
                connection.execute(f'CREATE DATABASE "{database}"')
        base = admin_url.rsplit("/", 1)[0]
        self.pool = ConnectionPool(f"{base}/{database}", min_size=1, max_size=pool_size,
                                   kwargs={"autocommit": True, "prepare_threshold": 0}, open=True)
        self.saver = PostgresSaver(self.pool)
        self.saver.setup()

    def run(self, sections: int, words: int = 40, latency: float = 0.0) -> tuple[str, list[float]]:
        """One loop of 2 * sections + 2 node executions; returns the thread id and per-node gaps (ms)."""
        graph = build_graph(self.saver, latency)
        thread = uuid.uuid4().hex
        stamps: list[float] = []
        config = {"configurable": {"thread_id": thread}, "recursion_limit": 4 * sections + 20}
        for _ in graph.stream({"goal": "Write an essay on benchmark rivers", "sections": sections, "words": words},
                              config, stream_mode="updates"):
            stamps.append(time.perf_counter())
        return thread, [(later - earlier) * 1000 for earlier, later in zip(stamps, stamps[1:], strict=False)]

    def throughput(self, runs: int, steps: int, latency: float = 0.0) -> float:
        sections = max(1, (steps - 2) // 2)
        began = time.perf_counter()
        with ThreadPoolExecutor(max_workers=runs) as pool:
            list(pool.map(lambda _: self.run(sections, latency=latency), range(runs)))
        return runs * (2 * sections + 2) / (time.perf_counter() - began)

    def bytes_per_step(self, thread: str, steps: int) -> float:
        with self.pool.connection() as connection:
            total = 0
            for table in ("checkpoints", "checkpoint_blobs", "checkpoint_writes"):
                total += connection.execute(
                    f"SELECT COALESCE(SUM(pg_column_size(t.*)), 0) FROM {table} t WHERE thread_id = %s", [thread]
                ).fetchone()[0]
        return total / steps
