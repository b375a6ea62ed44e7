"""The Python client (`promocore.Client`): core checkout and campaign methods, programs,
customers, and campaigns as YAML/JSON files. Imports only the generated v1/, errors.py and wire/;
used by the `promocore` command (cli/) and by users, never by the server side."""
