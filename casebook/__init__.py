"""The office's own records shared by the API and the action server (the case domain moves here).

Nothing here imports `api` or `actions`: both import it. Today: the clock and the office's
knowledge entries (office_entries.py) with their YAML export (entry_export.py).
"""
