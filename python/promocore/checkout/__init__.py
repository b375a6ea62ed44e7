"""The checkout path: Validate, Redeem and Rollback (flows.py), Qualify and the customer's wallet,
the compiled catalog, anti-enumeration. May import manage/, programs/, cdp/ (siblings), store/
and the engine binding; must not import server/ or cli/."""
