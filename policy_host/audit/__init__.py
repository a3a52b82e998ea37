"""Audit mode: cloud accounts, discovery scans with version history, managed/unmanaged matching,
evaluation through the one evaluation core, and the scan schedule.

Modules (each one job; nothing here is imported by this package's ``__init__``, so importing a light
module such as ``models`` does not pull in boto3 or the evaluation core):

    models       ORM rows (accounts, scans, resources, versions, relationships, stacks, leases, evaluations)
    accounts     account add/get/list/edit/remove; what an account's config may hold (never a secret)
    cadence      schedules (none, 12h, daily, cron) and when a scan is due
    canonical    canonical JSON, property hashes, secrets sealed before storage, wire-form numbers
    collect      run discovery for an account (AWS, Kubernetes live or dump, Pulumi stacks) -> snapshots
    resources    stack resources <-> what a version row stores (outputs, options, provider)
    snapshot     write snapshots: versions, deletions, relationships (one transaction)
    managed      match discovered resources to stack resources by ARN / cloud id
    leases       cross-process scan leases with expiry
    scan         one scan step: lease, scan record, collect, write, evaluate (``run_scan``)
    judge        judge resources with configured packs through ``policy_host.evaluate`` -> EvaluationRun
    evaluate     resolve an account's or stack's audit groups, load packs, judge the stored snapshot
    record       hand runs to ``policy_host.findings.record_run``
    schedule     the long-lived scheduler (``policy-host audit schedule``)
    worker       ``python -m policy_host.audit.worker ACCOUNT STORE_URL``: the dispatchable scan step
    progress     Rich progress bar on a terminal, plain log lines otherwise
    queries      read side for the CLI: resources, versions, scans
"""
