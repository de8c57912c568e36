"""Data takeover (SPEC E): the importer port and import runs."""
