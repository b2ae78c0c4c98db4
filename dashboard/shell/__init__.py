"""The frame around the tabs: navbar, tabs, the URL's view state and presentation mode."""
