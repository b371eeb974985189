"""The HTTP layer: app factory, dependencies, REST API, generated pages."""
