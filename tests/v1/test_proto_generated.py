"""The committed generated code in python/promocore/v1 matches what `make proto` produces."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _generator():
    spec = importlib.util.spec_from_file_location("proto_generate", ROOT / "proto" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_code_is_up_to_date(tmp_path):
    generator = _generator()
    generator.generate(tmp_path)
    fresh = generator.generated_files(tmp_path)
    committed = generator.generated_files(ROOT / "python")
    assert fresh, "the generator produced nothing"
    stale = sorted(
        name for name in fresh.keys() | committed.keys() if fresh.get(name) != committed.get(name)
    )
    assert not stale, f"run `make proto`: these files differ from the .proto files: {stale}"
