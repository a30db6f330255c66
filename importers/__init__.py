"""Platform importers, one module per platform, installed as ``auditor.importers``.

Each module follows the importer contract in auditor/plugins.py and is found by package scan
(the package is declared under the ``footprint_auditor.importers`` entry point in pyproject.toml):
a new platform is one new file here. Modules whose names start with ``_`` and helper modules that
define no PLATFORM (such as meta.py) are not importers.
"""
