"""The live explorer's widget (anywidget): the explorer page's own script and style in
the notebook, and the messages between the page and Python.

The widget's JavaScript is render's ``explorer.js`` (the page's drawing, shared, not
copied) followed by ``static/live.js`` (the edit box, the training buttons, the
messages). Python sends the page's body and numbers once (render's :func:`parts`, in
``page_body`` and ``page_data``); after each change only what changed, as a message
``{"update": …, "seq": s, "base": s − 1}`` with the new frames' numbers as binary buffers
(:meth:`Live.page_update`), which the page draws in place. The page sends back what the
user asked for: ``{"edit": [link index, weight]}``, ``{"train": "k" as typed}``,
``{"batch": 1}``, ``{"stop": 1}``, ``{"undo": 1}``, ``{"reset": 1}``; ``{"sync": 1}`` when
it missed an update (``status["seq"]`` names the latest; a view opened from an old
state): then the whole page again; ``{"settle": s}`` when it has shown update s a while:
then the page traits catch up with it (what a notebook saves), without a redraw.
"""

from __future__ import annotations

import re
import threading
import time
from importlib import resources

import anywidget
import traitlets

from ..errors import NeurographError
from ..render import explorer as ex
from ..render import htmlsafe as esc
from ..render.player import document, inline
from .live import Live


def _text(package: str, name: str) -> str:
    return resources.files(package).joinpath("static", name).read_text(encoding="utf-8")


def scoped(css: str, scope: str = ".ng-live") -> str:
    """``css`` with every selector inside ``scope`` (a page's ``body`` is the scope):
    the page's style must not restyle the notebook around the widget.

    >>> scoped("body { margin: 0; }\\n#net .unit, #panel { x: 1; }")
    '.ng-live { margin: 0; }\\n.ng-live #net .unit, .ng-live #panel { x: 1; }'
    """
    def one(m):
        sels = [s.strip() for s in m.group(2).split(",")]
        return m.group(1) + ", ".join(scope if s == "body" else f"{scope} {s}"
                                      for s in sels) + " {"
    return re.sub(r"(\s*)([^{}\s][^{}]*?)\s*\{", one, css)


ESM = _text("neurograph.render", "explorer.js") + "\n" + _text(__package__, "live.js")
CSS = scoped(_text("neurograph.render", "explorer.css")) + "\n" + _text(__package__, "live.css")


class Explorer(Live, anywidget.AnyWidget):
    """The live explorer in a notebook: :class:`Live` with the page in a widget.

    ``page_body`` and ``page_data`` are the explorer page's markup and numbers as of
    update ``data["seq"]`` (later updates are messages), ``links`` each link's ends and
    whether it is frozen (by link index), ``weights`` θ now (by link index), ``note`` the
    latest refusal or error in words, ``status`` α, training or not, frames and undo steps.
    """

    _esm = ESM
    _css = CSS
    page_body = traitlets.Unicode("").tag(sync=True)
    page_data = traitlets.Unicode("{}").tag(sync=True)
    links = traitlets.List([]).tag(sync=True)
    weights = traitlets.List([]).tag(sync=True)
    note = traitlets.Unicode("").tag(sync=True)
    status = traitlets.Dict({}).tag(sync=True)

    def __init__(self, net, X, y, **settings):
        anywidget.AnyWidget.__init__(self)
        self._answers = 0
        self._seq, self._page_seq, self._shown, self._sent = 0, 0, None, None
        self._heard = time.perf_counter()
        Live.__init__(self, net, X, y, on_change=self._push, **settings)
        self.on_msg(self._received)

    def _push(self, whole: bool = False, refused: bool = False) -> None:
        """Tell the page what changed: the whole page the first time (or when asked),
        else an update of the frames and the J curve, if they changed; then the status
        (``refused``: the page's request was, so its edit box shows the weight again)."""
        with self._lock:  # the status names the update before it (a training thread pushes)
            sent = ([f.id for f in self._frames], len(self.costs), self.costs[-1])
            update = None
            if not whole and self._shown is not None and sent != self._sent:
                update = self.page_update(self._shown)
                whole = update is None
            if whole or self._shown is None:
                body, data, self._shown = self.page_framed()
                self._seq += 1
                data["seq"] = self._page_seq = self._seq
                self.page_body, self.page_data = body, esc.json_for_script(data)
            elif update is not None:
                update, buffers, self._shown = update
                self._seq += 1
                self.send({"update": update, "seq": self._seq, "base": self._seq - 1},
                          buffers)
            self._sent = sent
            with self.hold_sync():  # one message, after the update: an edit waits on it
                self.links = self._link_rows()
                self.weights = self.net.weights.theta.tolist()
                self._answers += 1
                self.status = {"alpha": self.alpha, "training": self.training,
                               "frames": len(self._frames), "undo": len(self._undo),
                               "n": self._answers, "seq": self._seq, "refused": refused,
                               "ms": round(1000 * (time.perf_counter() - self._heard), 1)}

    def _settle(self, shown) -> None:
        """The page traits made the page as it is, when a page showing update ``shown``
        has had no other for a while (it asks): what a notebook saves as the widget's
        state, and what a view opened later draws. Marked as that update, so a page
        showing it does not redraw."""
        with self._lock:
            if self._page_seq == self._seq or shown != self._seq or self.training:
                return
            body, data, self._shown = self.page_framed()
            data["seq"] = self._page_seq = self._seq
            self.page_body, self.page_data = body, esc.json_for_script(data)

    def _link_rows(self) -> list:
        """[source, target, frozen, parameter, its links] by link index (θ's layout moves
        when the net compiles; parameter: a shared weight's name, else None); made again
        only when the layout or a frozen flag changed (a walk over every link)."""
        frozen = self.net.weights.frozen
        key = (self.net.version, frozen.tobytes())
        if getattr(self, "_rows_of", (None,))[0] == key:
            return self._rows_of[1]
        rows, shared = [None] * frozen.size, {}
        for k in self.net.links:
            p = k.parameter
            rows[k.index] = ["+1" if k.is_bias else k.source.name, k.target.name,
                             bool(frozen[k.index]), None if p is None else p.name, 0]
            if p is not None:  # counted in this one walk (len(p.links) per link: quadratic)
                shared[p.name] = shared.get(p.name, 0) + 1
        for row in rows:
            if row is not None and row[3] is not None:
                row[4] = shared[row[3]]
        self._rows_of = key, rows
        return rows

    def _received(self, _widget, content, _buffers) -> None:
        """A request of the page: done, or refused with the reason in ``note``."""
        self._heard = time.perf_counter()  # Python's part of an edit's time: status["ms"]
        try:
            if "edit" in content:
                self.set_link(*content["edit"])
            elif "train" in content or "batch" in content:
                self._train_in_background(content)
                return
            elif "stop" in content:
                self.stop()
            elif "undo" in content:
                self.undo()
            elif "reset" in content:
                self.reset()
            elif "sync" in content:
                self._push(whole=True)
                return
            elif "settle" in content:
                self._settle(content["settle"])
                return
            self.note = ""
        except NeurographError as exc:
            self.note = str(exc)
            self._push(refused=True)  # the network is unchanged: the page shows it so

    def _train_in_background(self, content) -> None:
        """Training from the page runs in a thread, so the stop button's message is
        heard while it runs; its frames reach the page as they come."""
        if self.training:
            self.note = "training is already running"
            return
        epochs = 1 if "batch" in content else ex.whole(_typed(content["train"]), "epochs")

        def run():
            try:
                self.train(epochs=epochs, batch="batch" in content)
                self.note = ""
            except NeurographError as exc:
                self.note = str(exc)

        threading.Thread(target=run, daemon=True).start()

    def _repr_mimebundle_(self, **kwargs):
        """The widget, and the explorer page of its current state where no kernel runs
        (a saved notebook, nbconvert, a notebook viewer)."""
        if self._page_seq != self._seq:
            self._push(whole=True)  # the view opened now starts from the page as it is
        bundle = super()._repr_mimebundle_(**kwargs)
        data, meta = bundle if isinstance(bundle, tuple) else (bundle, {})
        data["text/html"] = inline(document(*self.page_parts()))  # each frame's inputs once
        return data, meta


def _typed(k):
    """The page's k as typed (text): a whole number as an int, anything else as it came,
    for the check to refuse by name (the page must not turn 0 or 2.5 into something)."""
    if isinstance(k, str) and re.fullmatch(r"\s*[+-]?\d+\s*", k):
        return int(k)
    return k
