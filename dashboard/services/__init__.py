"""The work the screens, the API, the commands and the scheduler share; no Dash or Flask here.

``metrics`` (the figures of a period and segment), ``reports`` (PDF and CSV),
``mail`` (the outbox and SMTP), ``scheduler`` (the daily job and report
schedules) and ``interventions`` (creating, changing and cancelling by hand,
with the rules of DESIGN 6).
"""
