"""What both ends of the API share besides the generated v1/ messages: errors <-> gRPC statuses
(status.py) and messages <-> plain Python values (plain.py). Imports only v1/ and errors.py;
imports nothing else of promocore, so any package may import it."""
