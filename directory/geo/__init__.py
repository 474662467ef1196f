"""Places: UK postcodes and districts resolved offline to coordinates and local authority.

postcodes.py  the postcode directory that ships with the install, and lookups in it
"""
