import pulumi

# Packs commonly read config at import time; without it this raises ConfigMissingError.
pulumi.Config("raises").require("missing-value")
