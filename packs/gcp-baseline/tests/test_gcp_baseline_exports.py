"""gcp-baseline over the real stack exports: the findings listed in the README.

Read by hand: the only Google Cloud resource is the storage-bucket example's bucket, which enables
uniformBucketLevelAccess but leaves publicAccessPrevention unset (its outputs show "inherited").
"""

from collections import Counter

EXPECTED = {"gcp__storage-bucket_6.67.0_stack.json": [("gcs-public-access-prevention", "tested-resource")]}


def test_findings_in_real_exports(runner, corpus):
    for file in corpus.exports():
        findings = corpus.findings(runner(), file)
        assert Counter((f.policy, f.resource) for f in findings) == Counter(EXPECTED.get(file, [])), file
