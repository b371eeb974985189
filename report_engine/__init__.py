"""Reports and dashboards compiled to SQL and chart options (arrives with the report issue)."""
