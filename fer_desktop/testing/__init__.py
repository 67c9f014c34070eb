"""Synthetic inputs built from real FER-2013 faces, for tests, benchmarks and demos."""
