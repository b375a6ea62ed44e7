"""The `promocore` command: main.py builds the parser (serve, check, demo, campaigns, codes,
checkouts), one module per other command group. May import client/, server/ and below;
nothing imports it."""
