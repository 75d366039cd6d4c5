"""Messaging channels other than the web chat: adapters that turn a platform's callbacks into bot turns."""
