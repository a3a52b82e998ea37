import os
import sys

from pulumi_policy import PolicyPack, ResourceValidationPolicy

print("noise from the pack at import")  # would corrupt the port line under pulumi_policy
os.write(1, b"raw fd noise\n")
sys.stdout.flush()


def big(args, report_violation):
    args.props.get("x")  # reads the value the bad-input test corrupts
    blob = args.props.get("blob")
    if blob is not None:
        report_violation(f"blob of {len(blob)} characters")


PolicyPack("noisy", [ResourceValidationPolicy("big", "Reports blob sizes.", big)])
