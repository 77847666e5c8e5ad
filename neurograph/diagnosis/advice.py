"""What to try, chosen for the network it is given to: never "ReLU" to a ReLU network,
never "fewer layers" to one hidden layer, never "dead units" where no unit can die.

>>> import neurograph as ng
>>> vanishing(ng.Network.from_architecture([2, 3, 1], activation="relu"))
"an initialisation scaled to each layer's width (ε ≈ √6/√(s_l + s_l+1))"
>>> vanishing(ng.Network.from_architecture([2, 3, 3, 1]))[:58]
'fewer layers, ReLU or tanh hidden units instead of sigmoid'
"""

from __future__ import annotations

import math

from ..model.activations import LEAKY_SLOPE

INIT = "an initialisation scaled to each layer's width (ε ≈ √6/√(s_l + s_l+1))"


def hidden(net) -> set:
    """The activations (objects, with their facts) of the hidden units."""
    return {u.activation for lay in net.layers[1:-1] for u in lay.nodes if u.activation}


def _all(net) -> set:
    return {u.activation for lay in net.layers[1:] for u in lay.nodes if u.activation}


def _either(parts) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + ", or " + parts[-1]


def _names(acts) -> str:
    return " and ".join(sorted(a.name for a in acts))


def vanishing(net) -> str:
    acts, parts = hidden(net), []
    if len(net.layers) > 3:
        parts.append("fewer layers")
    sat = {a for a in acts if a.saturates}
    if any(a.max_slope is not None and a.max_slope < 1 for a in sat):
        parts.append(f"ReLU or tanh hidden units instead of {_names(sat)}")
    elif sat:
        parts.append(f"ReLU hidden units instead of {_names(sat)}")
    return _either(parts + [INIT])


def unbounded(net) -> str:
    """For values that overflowed: lower α, and scale the data where units do not bound it."""
    out = "lower α (the weights grew until a value overflowed)"
    if any(math.isinf(a.range[0]) or math.isinf(a.range[1]) for a in _all(net)):
        out += "; with linear or ReLU units scale the inputs and targets"
    return out + "; check the data for huge values"


def dead(net) -> str:
    """For units whose g' is 0 on every instance: what revives them, or keeps them alive."""
    return (f"raise the biases (e.g. +0.1), lower α, or use leaky_relu hidden units "
            f"(slope {LEAKY_SLOPE} for z ≤ 0: g' is never 0, so no unit dies)")


def silent_units(net) -> str:
    """The kinds of hidden unit that pass no δ back, as this network can have them."""
    if len(net.layers) < 3:
        return "add a hidden layer (the classes may not be linearly separable)"
    acts, kinds = hidden(net), ["symmetric"]
    if any(a.saturates for a in acts):
        kinds.append("saturated")
    if any(a.can_die for a in acts):
        kinds.append("dead")
    return "check for " + _either(kinds).replace(", or ", " or ") + " hidden units"


def stuck_output(net) -> str:
    return silent_units(net) + "; train longer or with another α; check that the labels vary"


def stuck_cost(net) -> str:
    return silent_units(net) + "; try a larger α or another initialisation"
