"""Process model and transport: serve and workers, the gRPC server, the gate (auth, roles, load
shedding, request guard, deadlines), the HTTP door and its web console, metrics, logs,
reflection. May import checkout/, manage/, programs/, cdp/ and below; only cli/ imports it."""
