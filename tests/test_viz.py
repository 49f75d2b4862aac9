"""The autograd graph as DOT text: nodes, edges, names, and well-formed syntax."""
import re
import shutil
import subprocess

import pytest

import tinygan as tg
import tinygan.nn as nn
from tinygan.viz import to_dot

NODE = re.compile(r'^  (\w+) \[label="((?:[^"\\]|\\.)*)"(?:, [^\]]*)?\];$')
EDGE = re.compile(r'^  (\w+) -> (\w+)(?: \[label="(?:[^"\\]|\\.)*"\])?;$')


def parse(dot):
    """(nodes {id: label}, edges [(src, dst)]), checking every line's syntax on the way."""
    lines = dot.strip().splitlines()
    assert re.fullmatch(r'digraph "\w+" \{', lines[0]) and lines[-1] == "}"
    outside_quotes = re.sub(r'"(?:[^"\\]|\\.)*"', '""', dot)
    assert outside_quotes.count("{") == outside_quotes.count("}") == 1
    nodes, edges = {}, []
    for line in lines[1:-1]:
        if line.startswith(("  node [", "  edge [")):
            continue
        if m := EDGE.match(line):
            edges.append((m.group(1), m.group(2)))
        elif m := NODE.match(line):
            assert m.group(1) not in nodes, f"node declared twice: {line}"
            nodes[m.group(1)] = m.group(2)
        else:
            raise AssertionError(f"not a DOT statement: {line!r}")
    for src, dst in edges:
        assert src in nodes and dst in nodes, (src, dst)
    return nodes, edges


def _label(nodes, node_id):
    return nodes[node_id].split("\\n")[0]


def test_small_graph_nodes_edges_and_op_names():
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    b = tg.tensor([3.0, 4.0], requires_grad=True)
    loss = (a * b + a).sum()
    nodes, edges = parse(to_dot(loss, names={id(a): "a", id(b): "b"}))
    labels = {nid: _label(nodes, nid) for nid in nodes}
    assert sorted(labels.values()) == ["Add", "Mul", "Sum", "a", "b", "output"]
    by_label = {v: k for k, v in labels.items()}
    assert sorted((labels[s], labels[d]) for s, d in edges) == sorted([
        ("a", "Mul"), ("b", "Mul"), ("Mul", "Add"), ("a", "Add"), ("Add", "Sum"),
        ("Sum", "output")])
    assert "(2,) float32" in nodes[by_label["a"]]


def test_model_parameters_are_named_and_shapes_shown():
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    x = tg.randn(5, 3)
    loss = model(x).mean()
    for dot in (to_dot(loss, params=dict(model.named_parameters())), to_dot(loss, module=model)):
        nodes, edges = parse(dot)
        labels = [_label(nodes, n) for n in nodes]
        for name in ("0.weight", "0.bias", "2.weight", "2.bias", "MatMul", "Tanh", "Add"):
            assert name in labels
        assert labels.count("tensor") >= 1                      # the data x
        assert any('"(5, 4)"' in line for line in dot.splitlines() if "->" in line)
    bare = to_dot(loss, show_shapes=False)
    parse(bare)
    assert "(4, 3)" not in bare and "float32" not in bare


def test_a_tensor_used_twice_gives_two_edges():
    x = tg.tensor(3.0, requires_grad=True)
    nodes, edges = parse(to_dot(x * x))
    assert len(nodes) == 3 and len(edges) == 3
    (leaf,) = [n for n in nodes if _label(nodes, n) == "tensor"]
    assert sum(1 for s, _ in edges if s == leaf) == 2


def test_leaf_and_freed_graphs():
    leaf = tg.tensor([1.0], requires_grad=True)
    nodes, edges = parse(to_dot(leaf, names={id(leaf): 'odd "name"'}))
    assert list(nodes.values()) == ['odd \\"name\\"\\n(1,) float32'] and edges == []

    y = (leaf * 2).sum()
    y.backward()
    nodes, _ = parse(to_dot(y))
    assert any("(freed)" in label for label in nodes.values())


def test_deep_graph_needs_no_recursion():
    x = tg.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(3000):
        y = y * 1.0
    nodes, edges = parse(to_dot(y.sum()))
    assert sum(1 for n in nodes if _label(nodes, n) == "Mul") == 3000


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_graphviz_accepts_the_text():
    model = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    dot = to_dot(model(tg.randn(1, 2)).sum(), module=model)
    subprocess.run(["dot", "-Tsvg"], input=dot.encode(), check=True, capture_output=True)
