"""The way out: train in neurograph, continue in PyTorch, come back and draw it.

1. neurograph trains a 4-6-4 one-vs-rest network for a few epochs.
2. ``ng.to_torch`` exports it as ``nn.Sequential`` (equal outputs to 1e-12).
3. PyTorch's own loop (SGD on binary cross-entropy) trains it further.
4. ``ng.from_torch`` imports it back: predictions agree, and it can be drawn.

Run:  python examples/pytorch_roundtrip.py [out_dir]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

import neurograph as ng


def main(out_dir: str | None = "out/examples", torch_steps: int = 300) -> dict:
    import torch

    X, y, _, classes = ng.data.four_classes(400, seed=0)
    net = ng.Network.from_architecture([4, 6, 4], seed=0)
    ng.Trainer(net, alpha=1.0, batch_size=20, seed=0).fit(X, y, epochs=5)
    acc_before = float((net.predict(X) == y).mean())

    module = ng.to_torch(net)
    Xt = torch.tensor(X)
    diff = float(np.abs(module(Xt).detach().numpy() - net.forward(X)).max())
    print(f"neurograph, 5 epochs: accuracy {acc_before:.3f}; exported: {module}")
    print(f"max |torch − neurograph| on the outputs: {diff:.1e}")

    Yt = torch.tensor(ng.one_hot(y, 4))
    opt = torch.optim.SGD(module.parameters(), lr=1.0)
    loss_fn = torch.nn.BCELoss()
    for _ in range(torch_steps):
        opt.zero_grad()
        loss = loss_fn(module(Xt), Yt)
        loss.backward()
        opt.step()
    print(f"PyTorch, {torch_steps} steps: loss {float(loss.detach()):.4f}")

    back = ng.from_torch(module)
    agree = float((back.predict(X) == module(Xt).argmax(dim=1).numpy()).mean())
    acc_after = float((back.predict(X) == y).mean())
    print(f"imported back: {back!r}; accuracy {acc_after:.3f}; agrees with PyTorch on "
          f"{agree:.0%} of the instances")
    files = []
    if out_dir is not None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        files.append(back.render(out / "roundtrip_weights.svg", show="weights"))
        print("wrote", files[-1])
    return {"diff": diff, "agree": agree, "accuracy_before": acc_before,
            "accuracy_after": acc_after, "net": back, "files": files}


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "out/examples")
