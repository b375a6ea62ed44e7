"""What one RPC carries from the gate (server/gate.py) down to the work it starts: who is
calling (principal.py), the author of its admin changes (actor.py) and by when it must be
answered (deadlines.py). Imports only errors.py; set by server/, read below it
(store/audit_log.py, store/group_commit.py)."""
