"""No import cycle between promocore's modules (docs/architecture.md). The import direction
between packages is import-linter's contracts in pyproject.toml (`make imports`); this checks
what they do not: that no module reaches itself through its imports, lazy ones included."""

from __future__ import annotations

import grimp


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            module, imported = work[-1]
            for other in imported:
                if other not in index:
                    index[other] = low[other] = len(index)
                    stack.append(other)
                    on_stack.add(other)
                    work.append(
                        (other, iter(sorted(graph.find_modules_directly_imported_by(other))))
                    )
                    break
                if other in on_stack:
                    low[module] = min(low[module], index[other])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[module])
                if low[module] == index[module]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == module:
                            break
                    if len(component) > 1:
                        cycles.append(sorted(component))
    return cycles


def _chain(graph: grimp.ImportGraph, cycle: list[str]) -> str:
    """One way round the cycle, for the failure message."""
    first, second = (
        cycle[0],
        next(module for module in cycle[1:] if graph.find_shortest_chain(cycle[0], module)),
    )
    there = graph.find_shortest_chain(first, second) or ()
    back = graph.find_shortest_chain(second, first) or ()
    return " -> ".join([*there, *back[1:]])


def test_no_import_cycle_between_modules():
    graph = grimp.build_graph("promocore")
    cycles = _cycles(graph)
    assert cycles == [], "import cycles:\n" + "\n".join(_chain(graph, c) for c in cycles)


def test_the_cycle_check_finds_a_cycle():
    graph = grimp.ImportGraph()
    for module in ("p.a", "p.b", "p.c", "p.d"):
        graph.add_module(module)
    graph.add_import(importer="p.a", imported="p.b")
    graph.add_import(importer="p.b", imported="p.c")
    graph.add_import(importer="p.c", imported="p.a")
    graph.add_import(importer="p.c", imported="p.d")
    assert _cycles(graph) == [["p.a", "p.b", "p.c"]]
    assert _chain(graph, ["p.a", "p.b", "p.c"]) == "p.a -> p.b -> p.c -> p.a"
