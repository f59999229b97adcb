"""``launchgate audit``: the launch audit and handover page (``audit.md``, ``audit.json``).

A pure core and I/O at the edges: :mod:`~launchgate.audit.gather` asks DNS and reads
the baselines and the config as written; :mod:`~launchgate.audit.build` turns those
facts and a run's ``report.json`` into one frozen :class:`~launchgate.audit.model.Audit`;
:mod:`~launchgate.audit.markdown` and :mod:`~launchgate.audit.jsonout` render it;
:mod:`~launchgate.audit.write` writes the files (redacted) and the step summary.
"""
