def describe(props):
    return ",".join(sorted(str(k) for k in props.keys()))
