"""The bookstore's rules: entities, value objects and errors (standard library only)."""
