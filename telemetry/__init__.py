"""How every process of ours logs and exposes metrics: structured JSON logs without personal data,
the request id they carry, and the Prometheus exposition (multiprocess-aware). Used by the API and the
action server alike; imports nothing of ours but casebook's masking."""
