"""Perceptron rules for threshold units, as on the slides.

θ ← θ + α(y − h(x))x per instance converges on AND and OR (linearly
separable: the perceptron convergence theorem) and never on XOR, which it
reports after max_epochs instead of looping. The batch perceptron averages
the update over the misclassified instances each epoch.

Run:  python examples/perceptron.py
"""

from __future__ import annotations

import neurograph as ng


def main() -> dict:
    results = {}
    for name in ("AND", "OR", "XOR"):
        X, y = ng.data.truth_table(name)
        for rule in ("online", "batch"):
            net = ng.Network.from_architecture([2, 1], activation="step", seed=0)
            res = ng.perceptron(net, X, y, rule=rule, alpha=1.0, max_epochs=100)
            results[(name, rule)] = res
            state = (f"converged in {res.epochs} epochs" if res.converged else
                     f"did NOT converge in {res.epochs} epochs ({res.errors[-1]} errors last)")
            print(f"{name:<4} {rule:<6}: {state}; θ = {net.theta(1).round(2).ravel().tolist()}")
    return results


if __name__ == "__main__":
    main()
