"""The FastAPI application: the residents' channels (web chat, kiosk, WeChat) and the staff console.
The records they read and write are casebook's."""
