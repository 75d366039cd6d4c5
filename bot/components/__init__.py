"""The project's own Rasa components (bot environment, Python 3.10, Rasa 3.6)."""
