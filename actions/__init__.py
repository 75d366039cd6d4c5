"""Rasa custom actions: thin, they read the tracker and call knowledge/ and casebook/."""
