"""``make bench``: side-by-side measurements of policy-host against pulumi_policy's own server.

Run ``python -m bench.run`` (or ``--quick`` for a short pass). Measurement only: nothing here is imported
by the product. Modules, one job each:

- :mod:`bench.fixtures` - the inputs: an S3 bucket shaped like a real ``pulumi stack export``, stacks of N resources;
- :mod:`bench.packs` - generated ``pulumi_policy`` packs (3 and 50 resource policies, 5 stack policies);
- :mod:`bench.bare_server` - the floor: a gRPC Analyzer that answers every call with an empty response;
- :mod:`bench.servers` - launching the three servers as the engine does and timing their start;
- :mod:`bench.procstat` - a server process's CPU time and peak memory from ``/proc``;
- :mod:`bench.analyzer` - the Analyze / AnalyzeStack / startup / memory suite;
- :mod:`bench.hotspots` - cProfile of policy-host in-process: where its time goes;
- :mod:`bench.discovery_suite` - runs ``bench/discovery.py`` (cloud discovery throughput) when present;
- :mod:`bench.report` - the machine description and the Markdown report;
- :mod:`bench.run` - the command line and the list of suites.
"""
