"""The work the screens, the API, the commands and the scheduler share; no Dash or Flask here.

``metrics`` (the figures of a period and segment), ``reports`` (PDF and CSV),
``mail`` (the outbox and SMTP), ``scheduler`` (the daily job and report
schedules), ``jobs`` (a recalculation or a report started by a person, in the
background), ``interventions`` (creating, changing and cancelling by hand,
with the rules of DESIGN 6) and ``safe_csv`` (the one writer of the CSV files
people download or receive, safe to open in a spreadsheet).
"""
