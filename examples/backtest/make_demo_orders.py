"""Writes demo-orders.jsonl beside this file: the demo shop's past orders (November 2026) that
docs/backtest.md backtests. tests/e2e/test_backtest_docs.py checks the file is what this writes."""

from pathlib import Path

from promocore.manage.demo_orders import demo_orders_jsonl

if __name__ == "__main__":
    Path(__file__).with_name("demo-orders.jsonl").write_bytes(demo_orders_jsonl())
