"""The running system: settings, database, record service, REST API, pages, CLI."""
