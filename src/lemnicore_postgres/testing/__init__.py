"""Test helpers for the PostgreSQL store: a throwaway cluster and pytest fixtures."""

from lemnicore_postgres.testing.cluster import PostgresCluster, find_server_binaries

__all__ = ["PostgresCluster", "find_server_binaries"]
