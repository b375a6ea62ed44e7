"""Programs: gift cards, loyalty (loyalty/), referral, wired over one store (service.py), and
exactly-once balance operations (idempotent.py). May import its sibling domain packages, store/
and the engine binding; must not import server/ or cli/."""
