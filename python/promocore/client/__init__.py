"""The Python client (`promocore.Client`, core.py): programs, customers, campaigns as YAML/JSON
files. Imports only the generated v1/, errors.py and wire/; used by cli/ and by users, and by the
server side only for the API key header's name (server/auth.py)."""
