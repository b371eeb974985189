"""The designer UI for admins: apps, menus, forms (drag and drop), drafts, live preview, publishing.

`mount(app)` adds its pages under /builder to the FastAPI app and its templates to the one page
template environment.
"""
from .site import mount

__all__ = ["mount"]
