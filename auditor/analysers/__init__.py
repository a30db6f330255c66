"""Analysers: one module per concern. The contract (AnalysisContext, TextUnit, the Analyser
protocol) and discovery live in auditor/plugins.py; every module under this package that declares
ANALYSERS (and the RULES it emits) is picked up without being listed anywhere."""
