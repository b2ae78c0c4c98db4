"""``Callbacks``: a module's Dash callbacks, declared at module level, registered on each app.

Every module with callbacks declares them with ``@CALLBACKS.callback(...)``
(the arguments of ``Dash.callback``) on plain module-level functions, so each
callback reads and tests as a function of its own; ``dashboard.callbacks``
registers every module's ``CALLBACKS`` on the app instance ``create_app``
builds (one per test), never with the module-level ``dash.callback``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dash import Dash, no_update


class Callbacks:
    """The callbacks of one module, in the order they were declared."""

    def __init__(self) -> None:
        self._declared: list[tuple[tuple[Any, ...], dict[str, Any], Callable[..., Any]]] = []

    def callback(
        self, *args: Any, **kwargs: Any
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Declare the decorated function a callback with ``Dash.callback``'s arguments."""

        def declare(function: Callable[..., Any]) -> Callable[..., Any]:
            self._declared.append((args, kwargs, function))
            return function

        return declare

    def register(self, app: Dash) -> None:
        """Add every declared callback to ``app``."""
        for args, kwargs, function in self._declared:
            app.callback(*args, **kwargs)(function)


def unchanged(outputs: Any) -> Any:
    """``no_update`` in the shape of a callback's named ``outputs`` (a dict, possibly nested)."""
    if isinstance(outputs, dict):
        return {name: unchanged(output) for name, output in outputs.items()}
    return no_update
