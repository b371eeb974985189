"""Demo data: a generic generator that fills an app's forms from a JSON demo spec."""
