"""Management: campaigns and codes (admin.py), code generation, code files and QR, reports,
audit, API keys, the demo data set, the customer cockpit. May import its sibling domain packages
(checkout/, programs/, cdp/), store/ and the engine binding; must not import server/ or cli/."""
