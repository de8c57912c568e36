"""The PostgreSQL tests use the public fixtures of ``lemnicore_postgres.testing``
(``postgres_cluster``, ``postgres_url``, ``postgres_store``): one throwaway server per run."""
