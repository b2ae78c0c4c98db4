"""The admin views: System status, Scheduled reports, Import data, Data quality, API keys, the Outbox and the Audit log, and the bell's actions.

The views open from the gear menu of the navbar and live in the URL as
``?view=status``, ``?view=schedules``, ``?view=data``, ``?view=quality``, ``?view=keys``,
``?view=outbox`` or ``?view=audit`` (beside the tab and
the other parameters of ``dashboard.view_state``, which keeps them as they
are). While a view is open it replaces the tabs; "Back to the dashboard"
takes ``view`` out of the URL and shows the tab the URL still names. A
client's detail (``?client=``) opens over a view as over a tab.

Who sees and may do what is in ``dashboard.auth.permissions``; every callback
that changes something checks it on the server. Import data, API keys, the
Outbox and the Audit log are for admins only, Data quality for admins and
managers (``View.roles``): the gear menu does not offer a view to the other
roles, and the view refuses them.

Modules: ``frame`` (which view the URL names, the gear menu, the area the
views draw in, their page header), ``callbacks`` (showing and switching the
views), ``status``, ``schedules``, ``data_import``, ``data_quality``, ``api_keys``, ``outbox``, ``audit_log`` (one view each), ``alerts``
(the bell's list, mark as read, the test notification), ``models`` (their
view models). The background work of "Recalculate now" and "Run now" is
``dashboard.services.jobs``.
"""
