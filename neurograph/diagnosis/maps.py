"""Feature maps in findings: a map whose every unit is dead (or saturated) is one finding
naming the map, since its units share one kernel and one bias and fail together.

A conv layer's 6 maps of 36 units would otherwise read as "216 dead units"; what a
student can act on is "map c1[2] is dead: its bias b[2] is far below its inputs".

>>> import numpy as np, neurograph as ng
>>> net = ng.Network(seed=0); x = net.add_inputs((4, 4))
>>> c = net.add_conv(x, maps=2, kernel=3, name="c1")
>>> names = [u.name for u in c[1].flat] + ["c1[0, 0, 0]"]
>>> whole, rest = split_by_map(net, names); [(label, len(us)) for label, us in whole], rest
([('c1[1]', 4)], ['c1[0, 0, 0]'])
"""

from __future__ import annotations

from ..model.grids import layer_grid


def split_by_map(net, names) -> tuple[list, list]:
    """([(map label, its unit names)] of the maps all of whose units ``names`` lists, and
    the names left over), maps in layer order. A map's label is ``<grid>[m]``."""
    want = set(names)
    whole, covered = [], set()
    for lay in net.layers[1:]:
        if not any(u.name in want for u in lay.nodes):
            continue
        g = layer_grid(net, lay)
        if g is None or g.nodes.ndim != 3:
            continue
        for m in range(g.shape[0]):
            units = [u.name for u in g.nodes[m].flat]
            if len(units) > 1 and want.issuperset(units):
                whole.append((f"{g.name}[{m}]", units))
                covered.update(units)
    return whole, [n for n in names if n not in covered]
