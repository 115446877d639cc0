"""Driving side: the HTTP API, the command line, and the composition root."""
