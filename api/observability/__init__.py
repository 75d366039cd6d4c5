"""What operations see of the API and the action server: metrics, structured logs, request ids."""
