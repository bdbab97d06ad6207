"""Autofix (``conformance fix``): policies declare operations, the plan traces findings to them, the adapters'
editors write them into the files.

- :mod:`.operations`: the JSON-Patch-like operations and how they change plain data;
- :mod:`.plan`: from a scan's findings to each file's operations (through the policies' ``fixer``);
- :mod:`.yamltree` / :mod:`.yamledit` / :mod:`.yamlstyle`: positions from ruamel.yaml's round-trip parser, surgical
  text edits, and new values in the file's own style;
- :mod:`.apply`: a file's new text, checked (it must read back as the expected data) before it is written.
"""
