"""Entrypoints: the command line (Typer), later the HTTP API and web pages."""
