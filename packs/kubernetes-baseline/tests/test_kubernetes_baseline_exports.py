"""kubernetes-baseline over the real stack exports: the findings listed in the README.

Read by hand from the exports: the encryption-provider example deploys nginx (image "nginx", no tag,
no limits, no securityContext); the oidc-iam-sa example runs two Pods ("amazonlinux:2018.03" and
"nginx"), neither with limits or runAsNonRoot; two of the three EBS storage classes of the
storage-classes example lack parameters.encrypted.
"""

from collections import Counter

PINNED, LIMITS, NON_ROOT = "k8s-image-pinned", "k8s-resource-limits", "k8s-run-as-non-root"
EXPECTED = {
    "eks__encryption-provider_3.0.0_stack.json": [(PINNED, "nginx"), (LIMITS, "nginx"), (NON_ROOT, "nginx")],
    "eks__oidc-iam-sa_3.0.0_stack.json": [
        (LIMITS, "s3-pod-test"),
        (NON_ROOT, "s3-pod-test"),
        (PINNED, "s3"),
        (LIMITS, "s3"),
        (NON_ROOT, "s3"),
    ],
    "eks__storage-classes_3.0.0_stack.json": [
        ("k8s-ebs-storage-class-encrypted", "example-storage-classes-2-mysc1"),
        ("k8s-ebs-storage-class-encrypted", "example-storage-classes-1-io1"),
    ],
}


def test_findings_in_real_exports(runner, corpus):
    # every export is scanned; those not listed must produce no finding
    for file in corpus.exports():
        findings = corpus.findings(runner(), file)
        assert Counter((f.policy, f.resource) for f in findings) == Counter(EXPECTED.get(file, [])), file
        assert {f.level for f in findings} <= {"advisory"}
