"""What the API and the action server both do to the office's records: cases, applications, gaps, lookups."""
