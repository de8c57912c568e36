"""Application services: the use cases, working through the storage port."""
