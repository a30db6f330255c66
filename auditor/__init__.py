"""Footprint Auditor: find past social media posts that could engage a UK health and care
regulator's standards, offline, from the user's own data-download archives."""
__version__ = "0.1.0"
