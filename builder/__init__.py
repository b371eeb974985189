"""The designer UI for business users and admins (arrives with the form builder issue)."""
