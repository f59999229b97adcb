"""Stored baselines: the file format and its reading and writing (:mod:`.store`), and the
git provenance recorded with each entry (:mod:`.git`). What goes into an entry is the
probe's business (:mod:`launchgate.probe.record`); this package only keeps it."""
