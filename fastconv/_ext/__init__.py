"""Cython drivers of the C core.  _runtime is imported first: it fills the
kernel table before any driver can run a kernel."""
from fastconv._ext import _runtime  # noqa: F401
