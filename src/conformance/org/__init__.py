"""The organisation-wide scan: inventory, clone cache, shards, executors, and the result files they write.

``results`` is the contract between the runner, the history database and the report.
"""
