"""Templates of ``conformance policies new``: one directory per ``<kind>-<target>`` (package data)."""
