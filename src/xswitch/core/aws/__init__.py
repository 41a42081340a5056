"""Everything that talks to AWS through botocore: one client pool (`clients`), bounded HTTP
(`network`) and one error translator (`errors`, with the STS explanations in `sts_codes`).

Importing this package imports nothing: botocore is loaded only when a client is about to be made.
"""
