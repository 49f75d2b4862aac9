"""The autograd graph behind a tensor, as Graphviz DOT text.

    dot_text = to_dot(loss, params=dict(model.named_parameters()))
    open("graph.dot", "w").write(dot_text)      # then: dot -Tsvg graph.dot -o graph.svg

Each Function is an ellipse labelled with its op name; each leaf tensor is a
box labelled with its name (when known, else "tensor"), shape and dtype, blue
when it requires grad; the tensor the graph
was drawn from is a double octagon. Edges run from inputs to the op that
consumed them, and from an op to the ops (or the output) that use its result,
labelled with that intermediate's shape. A function whose saved inputs were
freed by a backward pass (without ``retain_graph``) is drawn as "(freed)" and
its inputs are not reachable any more.
"""
__all__ = ["to_dot"]


def _quote(text):
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _describe(tensor, show_shapes):
    if not show_shapes:
        return ""
    return f"{tuple(tensor.shape)} {tensor.dtype}"


def _tensor_names(names, params, module):
    """id(tensor) -> name from the three ways of naming tensors."""
    found = {}
    if module is not None:
        found.update((id(t), n) for n, t in module.named_parameters())
        found.update((id(t), n) for n, t in module.named_buffers())
    if params is not None:
        found.update((id(t), n) for n, t in params.items())
    if names is not None:
        found.update(names)
    return found


def to_dot(tensor, show_shapes=True, names=None, params=None, module=None, graph_name="autograd"):
    """Graphviz DOT text of the autograd graph that produced ``tensor``.

    Leaves are named from ``module``'s parameters and buffers, ``params``
    (name -> tensor, e.g. ``dict(model.named_parameters())``) and ``names``
    (id(tensor) -> name), later ones winning. ``show_shapes`` adds shapes and
    dtypes to leaves and edges. The graph is walked iteratively, so any depth works.
    """
    label_of = _tensor_names(names, params, module)
    ids, keep_alive = {}, []
    lines = [f"digraph {_quote(graph_name)} {{",
             '  node [fontname="Helvetica", fontsize=10];',
             '  edge [fontname="Helvetica", fontsize=9];']
    edges = []

    def node_id(obj, prefix):
        key = id(obj)
        if key not in ids:
            ids[key] = f"{prefix}{len(ids)}"
            keep_alive.append(obj)           # ids stay unique while the walk runs
        return ids[key]

    def leaf_node(t):
        fresh = id(t) not in ids
        nid = node_id(t, "t")
        if fresh:
            name = label_of.get(id(t), "tensor")
            grad = "requires_grad" if t.requires_grad else ""
            label = "\n".join(x for x in (name, _describe(t, show_shapes), grad) if x)
            fill = "lightblue" if t.requires_grad else "lightgrey"
            lines.append(f"  {nid} [label={_quote(label)}, shape=box, style=filled, "
                         f"fillcolor={fill}];")
        return nid

    def edge(src, dst, via):
        attrs = f" [label={_quote(tuple(via.shape))}]" if show_shapes and via is not None else ""
        edges.append(f"  {src} -> {dst}{attrs};")

    root_label = "\n".join(x for x in (label_of.get(id(tensor), "output"),
                                       _describe(tensor, show_shapes)) if x)
    root = node_id(tensor, "t")
    lines.append(f"  {root} [label={_quote(root_label)}, shape=doubleoctagon];")
    if tensor._creator is None:
        return "\n".join(lines + ["}"]) + "\n"
    edge(node_id(tensor._creator, "f"), root, None)

    stack, visited = [tensor._creator], set()
    while stack:
        f = stack.pop()
        if id(f) in visited:
            continue
        visited.add(id(f))
        fid = node_id(f, "f")
        freed = f.inputs is None
        label = f"{f.name}\n(freed)" if freed else f.name
        lines.append(f"  {fid} [label={_quote(label)}, shape=ellipse];")
        for t in f.inputs or ():
            if t._creator is None:
                edge(leaf_node(t), fid, None)
            else:
                edge(node_id(t._creator, "f"), fid, t)
                stack.append(t._creator)
    return "\n".join(lines + edges + ["}"]) + "\n"
