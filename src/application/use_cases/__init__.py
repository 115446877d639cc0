"""One use case per module, each a class called with a command."""
