"""Dmipy 1.x custom optimisers that are compositions of the core models."""
