"""Tests of the project's Rasa components. They run in the bot environment (Python 3.10, Rasa 3.6):
scripts/test.sh runs this folder with .venv-bot/bin/python -m pytest; the app environment skips it."""
