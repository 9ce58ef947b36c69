"""Questions asked of finished runs: conditional queries (and, later, sensitivity, sweeps
and scenario discovery)."""
