"""The latency probe: a check that sends a paced, bounded load to the routes the config
names, measures them into HDR histograms and judges them against their gates and the
stored baseline. Submodules are imported directly; this package exports nothing."""
