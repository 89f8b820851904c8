"""Distributed models (Dmipy 1.x ``distributions``): kernels dispersed over orientations or sizes."""
