"""Xiezuo (协作): East–West cooperation and poverty monitoring."""

__version__ = "0.1.0"
