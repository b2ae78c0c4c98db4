"""The client detail dialog, opened from any tab by ``?client=ID``."""
