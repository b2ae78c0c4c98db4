"""Charts as PNG images, rendered by kaleido (headless Chromium) for the PDF report.

One kaleido server runs per process, started on first use
(``kaleido.start_sync_server``); it keeps Chromium warm so that each image
takes a fraction of a second. Its calls are not safe to interleave, so a lock
makes concurrent renders (scheduler thread, web requests) take turns.
"""

from __future__ import annotations

import threading

import kaleido
import plotly.graph_objects as go

_lock = threading.Lock()
_started = False


def _ensure_server() -> None:
    global _started
    if not _started:
        kaleido.start_sync_server(silence_warnings=True)
        _started = True


def figure_png(fig: go.Figure, *, width: int, height: int, scale: float = 2.0) -> bytes:
    """``fig`` as a PNG of ``width`` x ``height`` CSS pixels, drawn at ``scale`` times the pixels."""
    spec = fig.to_plotly_json()
    options = {"format": "png", "width": width, "height": height, "scale": scale}
    with _lock:
        _ensure_server()
        return kaleido.calc_fig_sync(spec, opts=options)
