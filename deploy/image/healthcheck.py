"""The image's HEALTHCHECK: exit 0 when the gRPC health service of the server in this container
answers SERVING, 1 otherwise (not serving yet, draining, or not answering within 3 s).
$PROMOCORE_HEALTH_TARGET (default 127.0.0.1:50051) when --listen is another port."""

import os
import sys

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

target = os.environ.get("PROMOCORE_HEALTH_TARGET", "127.0.0.1:50051")
try:
    with grpc.insecure_channel(target) as channel:
        answer = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(), timeout=3
        )
except grpc.RpcError as error:
    print(f"{target}: {error.code().name}", file=sys.stderr)
    sys.exit(1)
status = health_pb2.HealthCheckResponse.ServingStatus.Name(answer.status)
print(f"{target}: {status}")
sys.exit(0 if answer.status == health_pb2.HealthCheckResponse.SERVING else 1)
