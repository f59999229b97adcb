"""Small stock apps on the real frameworks, each the way its documentation writes it,
for the recipe tests: they start in a server process of their own (see ../servers.py)."""
