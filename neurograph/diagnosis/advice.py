"""What to try, chosen for the network it is given to: never "ReLU" to a ReLU network,
never "fewer layers" to one hidden layer, never "dead units" where no unit can die.

>>> import neurograph as ng
>>> vanishing(ng.Network.from_architecture([2, 3, 1], activation="relu"))
"an initialisation scaled to each layer's width (ε ≈ √6/√(s_l + s_l+1))"
>>> vanishing(ng.Network.from_architecture([2, 3, 3, 1]))[:58]
'fewer layers, ReLU or tanh hidden units instead of sigmoid'
"""

from __future__ import annotations

INIT = "an initialisation scaled to each layer's width (ε ≈ √6/√(s_l + s_l+1))"


def hidden(net) -> set:
    """Names of the activations of the hidden units."""
    return {getattr(u.activation, "name", None) for lay in net.layers[1:-1] for u in lay.nodes}


def _all(net) -> set:
    return {getattr(u.activation, "name", None) for lay in net.layers[1:] for u in lay.nodes}


def _either(parts) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + ", or " + parts[-1]


def vanishing(net) -> str:
    acts, parts = hidden(net), []
    if len(net.layers) > 3:
        parts.append("fewer layers")
    if "sigmoid" in acts:
        parts.append("ReLU or tanh hidden units instead of sigmoid")
    elif "tanh" in acts:
        parts.append("ReLU hidden units instead of tanh")
    return _either(parts + [INIT])


def unbounded(net) -> str:
    """For values that overflowed: lower α, and scale the data where units do not bound it."""
    out = "lower α (the weights grew until a value overflowed)"
    if _all(net) & {"linear", "relu", "leaky_relu"}:
        out += "; with linear or ReLU units scale the inputs and targets"
    return out + "; check the data for huge values"


def silent_units(net) -> str:
    """The kinds of hidden unit that pass no δ back, as this network can have them."""
    if len(net.layers) < 3:
        return "add a hidden layer (the classes may not be linearly separable)"
    acts, kinds = hidden(net), ["symmetric"]
    if acts & {"sigmoid", "tanh"}:
        kinds.append("saturated")
    if "relu" in acts:
        kinds.append("dead")
    return "check for " + _either(kinds).replace(", or ", " or ") + " hidden units"


def stuck_output(net) -> str:
    return silent_units(net) + "; train longer or with another α; check that the labels vary"


def stuck_cost(net) -> str:
    return silent_units(net) + "; try a larger α or another initialisation"
