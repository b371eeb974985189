"""A flow compiled once per published version: its graph and its branch conditions, ready to run."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import networkx as nx

from form_engine.compiler import expression_names
from form_engine.definitions import FormDef
from form_engine.errors import Collector, DefinitionError
from form_engine.expressions import Expression, compile_expression

from .definitions import FlowDef, NodeDef
from .graph import BRANCH, Place, build_graph, place


@dataclass(frozen=True)
class CompiledFlow:
    """A flow definition plus what running it needs; shared between instances of one version."""

    flow: FlowDef
    version: int
    graph: nx.DiGraph
    conditions: Mapping[str, Expression]  # branch entry key → its condition

    @property
    def name(self) -> str:
        return self.flow.name

    @property
    def start(self) -> str:
        return self.flow.nodes[0].id

    def place(self, key: str) -> Place:
        return place(self.graph, key)

    def node(self, node_id: str) -> NodeDef:
        return self.place(node_id).node


def compile_flow(flow: FlowDef, form: FormDef, *, version: int = 1) -> CompiledFlow:
    """Build the graph and compile every branch condition; DefinitionError if a condition is bad.
    Run `validate.check_flow` before publishing: this only prepares a flow that passed it."""
    graph = build_graph(flow)
    names = expression_names(form.fields)
    problems = Collector()
    conditions: dict[str, Expression] = {}
    for key in graph:
        p = place(graph, key)
        if p.kind != BRANCH:
            continue
        branch = next(b for b in place(graph, p.group).node.branches if f"{p.group}.{b.id}" == key)
        if getattr(branch, "when", None) and not branch.default:
            try:
                conditions[key] = compile_expression(branch.when, names=names, path=f"{p.path}/when")
            except DefinitionError as exc:
                problems.problems.extend(exc.problems)
    problems.raise_definition_error()
    return CompiledFlow(flow, version, graph, MappingProxyType(conditions))
