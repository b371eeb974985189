"""The foundation: form and field definitions, field types, expressions, validation and table mapping."""
