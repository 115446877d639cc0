"""Imagine Bookstore: a commerce core for an online bookstore.

`bookstore.domain` holds the rules, `bookstore.application` the use cases and the ports they
need, `bookstore.adapters` the storage and security implementations, and
`bookstore.entrypoints` the HTTP API, the command line and the composition root.
"""
