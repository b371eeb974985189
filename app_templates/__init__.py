"""Definition bundles shipped with Formwork; each folder is one app."""
