"""Composition root: the podium CLI and the local server wiring."""
