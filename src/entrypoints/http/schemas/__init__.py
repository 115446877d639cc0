"""msgspec Structs for requests and responses, and the small functions mapping them to the
domain and back. Requests refuse unknown fields and bound every number and string."""
