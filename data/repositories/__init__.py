"""Repositories: queries that return DataFrames, and bulk writes. Callers commit.

One module per area: ``clients``, ``events``, ``scores``, ``interventions``,
``users``, ``alerts``, ``runs`` and ``outbox``. Frame dtypes are described in
``data.repositories._frames``.
"""
