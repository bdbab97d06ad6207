"""Planning a scan: what to read, which policies run and with what trust, and the engine run over it."""
