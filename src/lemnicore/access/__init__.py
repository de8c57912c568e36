"""Access and audit (SPEC B): actors, roles, grants and the append-only audit log."""
