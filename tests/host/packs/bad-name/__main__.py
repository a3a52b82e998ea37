from pulumi_policy import PolicyPack, ResourceValidationPolicy

PolicyPack("bad name", [ResourceValidationPolicy("p", "d", lambda a, r: None)])
