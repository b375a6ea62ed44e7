"""What both ends of the API share besides the generated v1/ messages: errors <-> gRPC statuses
(status.py), messages <-> plain Python values (plain.py), TLS credentials from PEM files (tls.py),
the request fields every service reads alike (request_fields.py: ids, page sizes).
Imports only v1/ and errors.py, nothing else of promocore, so any package may import it."""
