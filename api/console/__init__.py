"""The staff console (/console): sign-in, per-role case queues, case pages with the transcript,
workflow, assignment and notes, knowledge gaps, CSV export and an append-only audit log.
See docs/console.md."""
