from policies import WHO  # both packs have a local package named "policies"
from pulumi_policy import PolicyPack, ResourceValidationPolicy


def who(args, report_violation):
    report_violation(WHO)


PolicyPack("twin-b", [ResourceValidationPolicy("who-b", "Says which pack.", who)])
