"""Every step of backprop written out with the network's own numbers.

Mazur's 2-2-2 network ("A Step by Step Backpropagation Example"): the
forward pass term by term, the squared error, δ with each blame share, Δ and
D, and the weights after one step of α = 0.5. Then a student's hand
calculation is checked: the first wrong step and the line that gets it right.

Run:  python examples/worked_example.py
"""

from __future__ import annotations

import neurograph as ng
from neurograph.teaching.textbook import mazur_network


def main() -> dict:
    net = mazur_network()  # units i1, i2, h1, h2, o1, o2; w1..w8 and b1, b2 as in the post
    x, y = [0.05, 0.10], [0.01, 0.99]
    we = ng.explain(net, x, y, alpha=0.5, loss="mse")  # loss="mse" is Mazur's E_total
    print(we)

    # A student forgot g'(z) in the output δ of squared error:
    answers = {"a(2)_1": "0.5933", "a(3)_1": "0.7514", "J": "0.2984", "delta(3)_1": "0.7414"}
    check = ng.check_by_hand(net, x, y, answers, loss="mse")
    print(check)
    return {"worked": we, "check": check}


if __name__ == "__main__":
    main()
