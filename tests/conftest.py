"""lemnicore's own tests use the public pytest plugin (``lemnicore.testing``) first."""
