"""parley: run a reciprocal prisoner exchange through a neutral mediator."""

__version__ = "0.1.0"
