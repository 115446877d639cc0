"""One Controller per resource; handlers map a request to a use case and back."""
