"""Doubles at the network edge that the harness runs in product code: the scholarly APIs over a corpus, Turnitin-style reports."""
