"""``launchgate init --from URL``: look at a running app and write a config for it."""
