"""The manage dialog of one intervention: status, assignee, due date, outcome, notes."""
