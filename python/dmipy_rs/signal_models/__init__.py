"""Compartment models, one module per geometry as in Dmipy 1.x."""
