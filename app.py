"""The Customer Success Dashboard: the application factory at the project root.

``gunicorn 'app:create_server()'`` serves it in production and ``python app.py``
runs the development server; both build it from the environment
(``dashboard.application``). Tests import ``create_app`` from here.
"""

from __future__ import annotations

from dashboard.application import TITLE, create_app, create_server

__all__ = ["TITLE", "create_app", "create_server"]

if __name__ == "__main__":
    create_app().run(debug=True)
