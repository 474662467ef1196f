"""The demo catalogue and the needs taxonomy, as data files, and their reader."""
