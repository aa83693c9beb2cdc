"""Official statistics beside the computed values: the vocabulary of figures (`catalog`), and the `official` stage
(`stage`): the figures one by one with their status, the cross-check against the computed values, the value each
indicator's evaluation uses, and the benchmarking against the plan's peer cities."""
