"""Driven adapters: storage, password hashing, tokens, clock and ids."""
