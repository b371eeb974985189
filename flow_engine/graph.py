"""The flow tree as a networkx DiGraph: one place per node, plus an entry per branch and a join per group.

Keys: a node's id; `group.branch` for a branch entry; `group.join` where a group's branches meet.
Ids may only hold [a-z0-9_], so the derived keys can't clash with a node's.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import networkx as nx

from .definitions import ConditionNodeDef, FlowDef, NodeDef, ParallelNodeDef

BRANCH, JOIN = "branch", "join"


@dataclass(frozen=True)
class Place:
    """One place of the graph. `kind` is the node's type, or "branch" / "join" for derived places."""

    key: str
    kind: str
    path: str  # JSON pointer of the node (of the branch, for a branch entry; of the group, for a join)
    label: str  # zh-CN label of the node or branch, for messages
    node: NodeDef | None = None
    group: str | None = None  # for branch entries and joins: the group's id
    in_parallel: bool = False  # inside some parallel group's branch


def walk(nodes: tuple[NodeDef, ...], path: str = "/nodes", in_parallel: bool = False) -> Iterator[Place]:
    """Every node of the tree with its pointer, depth first in designer order."""
    for i, node in enumerate(nodes):
        at = f"{path}/{i}"
        yield Place(node.id, node.type, at, node.label.zh, node, in_parallel=in_parallel)
        if isinstance(node, (ConditionNodeDef, ParallelNodeDef)):
            inner = in_parallel or isinstance(node, ParallelNodeDef)
            for j, branch in enumerate(node.branches):
                yield from walk(branch.nodes, f"{at}/branches/{j}/nodes", inner)


def build_graph(flow: FlowDef) -> nx.DiGraph:
    """The DiGraph of `flow`; each graph node's "place" attribute is its Place. Ids must be unique."""
    graph = nx.DiGraph()
    _chain(graph, flow.nodes, "/nodes", [], False)
    return graph


def place(graph: nx.DiGraph, key: str) -> Place:
    return graph.nodes[key]["place"]


def _chain(graph: nx.DiGraph, nodes, path: str, prev: list[str], in_parallel: bool) -> list[str]:
    """Add a node list after the places in `prev`; return the places the list leaves from."""
    for i, node in enumerate(nodes):
        at = f"{path}/{i}"
        graph.add_node(node.id, place=Place(node.id, node.type, at, node.label.zh, node, in_parallel=in_parallel))
        graph.add_edges_from((p, node.id) for p in prev)
        prev = [node.id]
        if node.type == "end":
            prev = []  # nothing flows on from an end; whatever follows it is unreachable
        elif isinstance(node, (ConditionNodeDef, ParallelNodeDef)):
            inner = in_parallel or isinstance(node, ParallelNodeDef)
            join = f"{node.id}.{JOIN}"
            exits: list[str] = []
            for j, branch in enumerate(node.branches):
                key = f"{node.id}.{branch.id}"
                graph.add_node(key, place=Place(key, BRANCH, f"{at}/branches/{j}", branch.label.zh,
                                                group=node.id, in_parallel=inner))
                graph.add_edge(node.id, key)
                exits += _chain(graph, branch.nodes, f"{at}/branches/{j}/nodes", [key], inner)
            graph.add_node(join, place=Place(join, JOIN, at, node.label.zh, group=node.id, in_parallel=in_parallel))
            graph.add_edges_from((e, join) for e in exits)
            prev = [join]
    return prev
