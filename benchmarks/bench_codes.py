"""`make bench-codes`: bulk code generation into a fresh store, through the real server.

1. A fresh store gets a campaign with SEEDED codes already in it (the same pattern and charset),
   so the new batch has codes to collide with.
2. GenerateCodes of COUNT codes for a second campaign, through a `promocore serve --workers 0`
   process (the RPC, the engine's generator and the LMDB inserts), timed from the client.
3. Verification from the store itself: the codes table holds SEEDED + COUNT keys, the new
   campaign's index COUNT, every indexed code's record belongs to the new campaign and every
   seeded code still belongs to the first one (nothing overwritten), all case-insensitively
   unique (keys of an LMDB table are unique by construction; the counts prove none was lost).
4. Peak RSS of the server process (VmHWM) and its anonymous part at the end: the LMDB map is
   file-backed and counted in RSS as pages are touched, so both are reported.

Writes its section of benchmarks/RESULTS.md and prints one JSON object as its last line.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import lmdb
import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))

from promocore import Client  # noqa: E402
from promocore.manage.admin import GENERATION_CHUNK  # noqa: E402
from promocore.store.tables import TABLE_NAMES  # noqa: E402

from results_file import write_section  # noqa: E402
from support import ServerProcess  # noqa: E402

BEGIN, END = "<!-- bench_codes: begin -->", "<!-- bench_codes: end -->"
PATTERN = {"pattern": "##########", "charset_preset": "alphanumeric"}


def campaign(client: Client, campaign_id: str) -> None:
    client.create_campaign(
        id=campaign_id,
        name=campaign_id,
        type="DISCOUNT_COUPONS",
        currency="EUR",
        effect={"amount_off_order": {"amount": 500}},
        code_config=PATTERN,
    )


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (/proc/PID/stat fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def verify(data_dir: Path, seeded: int, count: int) -> dict:
    env = lmdb.open(str(data_dir), readonly=True, max_dbs=len(TABLE_NAMES) + 4, lock=False)
    codes_db = env.open_db(b"codes", create=False)
    index_db = env.open_db(b"campaign_codes", create=False)
    from promocore.v1 import campaign_pb2

    owners = {"seeded": 0, "bulk": 0}
    wrong = 0
    with env.begin(buffers=True) as txn:
        total = txn.stat(codes_db)["entries"]
        for campaign_id in owners:
            prefix = campaign_id.encode() + b"\0"
            cursor = txn.cursor(db=index_db)
            found = cursor.set_range(prefix)
            while found and bytes(cursor.key()).startswith(prefix):
                key = bytes(cursor.key())[len(prefix) :]
                code = campaign_pb2.Code.FromString(bytes(txn.get(key, db=codes_db)))
                wrong += code.campaign_id != campaign_id or code.code.upper().encode() != key
                owners[campaign_id] += 1
                found = cursor.next()
    env.close()
    unique = total == seeded + count and owners == {"seeded": seeded, "bulk": count} and not wrong
    return {"unique": unique, "codes_in_store": total, "indexed": owners, "wrong_owner": wrong}


def run(count: int, seeded: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-codes-") as tmp:
        data_dir = Path(tmp) / "data"
        with ServerProcess(data_dir, workers=0) as server, Client(server.target) as client:
            pid = server.process.pid
            campaign(client, "seeded")
            campaign(client, "bulk")
            client.generate_codes("seeded", seeded, return_codes=False)
            progress_messages = 0

            def progress(done: int, total: int) -> None:
                nonlocal progress_messages
                progress_messages += 1

            cpu_before = cpu_seconds(pid)
            started = time.perf_counter()
            client.generate_codes("bulk", count, return_codes=False, on_progress=progress)
            elapsed = time.perf_counter() - started
            server_cpu = cpu_seconds(pid) - cpu_before
            peak_rss_kb = proc_kb(pid, "VmHWM")
            anon_kb = proc_kb(pid, "RssAnon")
            file_kb = proc_kb(pid, "RssFile")
        store_mb = (data_dir / "data.mdb").stat().st_size / 2**20
        checked = verify(data_dir, seeded, count)
    return {
        "codes": count,
        "unique": checked["unique"],
        "codes_per_s": round(count / elapsed),
        "peak_rss_mb": round(peak_rss_kb / 1024, 1),
        "rss_anon_mb_at_end": round(anon_kb / 1024, 1),
        "rss_file_mb_at_end": round(file_kb / 1024, 1),
        "seconds": round(elapsed, 2),
        "server_cpu_s": round(server_cpu, 2),
        "codes_per_server_cpu_s": round(count / server_cpu),
        "seeded_codes": seeded,
        "progress_messages": progress_messages,
        "store_mb": round(store_mb, 1),
        "check": checked,
    }


def write_results(result: dict, command: str) -> None:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    cpu = platform.processor() or platform.machine()
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    anon_mb, file_mb = result["rss_anon_mb_at_end"], result["rss_file_mb_at_end"]
    cpu_s, per_cpu_s = result["server_cpu_s"], result["codes_per_server_cpu_s"]
    trials = ", ".join(f"{rate:,}" for rate in result["codes_per_s_trials"])
    section = f"""{BEGIN}
## Bulk code generation (`make bench-codes`)

Command: `{command}` — {when} — {os.cpu_count()} cores, {cpu},
Python {platform.python_version()}.
Each trial: a fresh store, one `promocore serve --workers 0` process with durability `full`
(fsync per chunk of {GENERATION_CHUNK:,} codes); the client is a second process on the same machine.
Pattern `{PATTERN["pattern"]}`, preset `{PATTERN["charset_preset"]}` (31 characters).

| figure | value |
| --- | --- |
| codes generated (one GenerateCodes call) | {result["codes"]:,} |
| codes already in the store (same pattern, another campaign) | {result["seeded_codes"]:,} |
| all unique, none colliding with the existing ones (checked in the store) | {result["unique"]} |
| codes/s, median trial (client-side, RPC start to the last progress) | {result["codes_per_s"]:,} |
| codes/s of each trial (fresh store each) | {trials} |
| load average (1 min) at the end (2 cores shared with other work) | {result["load_average_1m"]} |
| seconds | {result["seconds"]} |
| server CPU seconds (user + system) / codes per server CPU second | {cpu_s} / {per_cpu_s:,} |
| server peak RSS (VmHWM), worst trial | {result["peak_rss_mb"]} MB |
| ... at the end: anonymous / file-backed (LMDB map) | {anon_mb} / {file_mb} MB |
| store file size | {result["store_mb"]} MB |
| progress messages streamed | {result["progress_messages"]} |

Codes are drawn in the engine (OS CSPRNG, rejection sampling), returned to Python as sorted
keys and records and inserted with one `putmulti(overwrite=False)` per table and chunk. The
anonymous memory is bounded by the chunk, not the batch: a chunk's dirty pages (at most a leaf
per code; LMDB spills a transaction's dirty pages to the file beyond 131,072) plus LMDB's cache
of freed pages (at most 65,536). The file-backed part is the LMDB map's pages touched by the
inserts: shared, clean after commit, reclaimable by the kernel. Codes/s depends on how much of
the two cores the server gets; codes per server CPU second does not, much.
{END}"""
    write_section(BEGIN, END, section)


def summarize(trials: list[dict]) -> dict:
    """The median trial by codes/s, with every trial's rate and the worst peak RSS."""
    ranked = sorted(trials, key=lambda trial: trial["codes_per_s"])
    result = dict(ranked[len(ranked) // 2])
    result["unique"] = all(trial["unique"] for trial in trials)
    result["peak_rss_mb"] = max(trial["peak_rss_mb"] for trial in trials)
    result["codes_per_s_trials"] = [trial["codes_per_s"] for trial in trials]
    result["load_average_1m"] = round(os.getloadavg()[0], 2)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--seeded", type=int, default=100_000)
    parser.add_argument("--trials", type=int, default=3, help="fresh stores; the median is kept")
    parser.add_argument("--no-write", action="store_true", help="do not update RESULTS.md")
    args = parser.parse_args()
    result = summarize([run(args.count, args.seeded) for _ in range(args.trials)])
    if not args.no_write:
        write_results(result, "make bench-codes")
    print(orjson.dumps(result).decode())
    return 0 if result["unique"] else 1


if __name__ == "__main__":
    sys.exit(main())
