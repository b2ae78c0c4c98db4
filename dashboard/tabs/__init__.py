"""The tabs of the dashboard, a package each, and the client detail dialog.

Each tab package has ``layout.py`` (``layout(state)``: the tab's frame, drawn by
the shell's render callback from the URL's view state, and the components it
fills in), ``callbacks.py`` (``register(app)``: its callbacks, on the app
instance) and ``view_model.py`` (what the tab shows, worked out from the
repositories and ``scoring``). ``dashboard.callbacks.register_callbacks`` lists
every registration; ``dashboard.shell.callbacks.TAB_LAYOUTS`` maps each tab to
its layout.
"""
