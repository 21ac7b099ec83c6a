"""The reference external connector: the Beancount connector behind the Kafka contract.

A separate process (`sync kafka-connector serve`), with its own database (inbox and outbox
only) and its own consumer group (`beancount-connector`), for the dossiers activated with
`connector: kafka`. It is the example a partner copies to connect a package that runs
elsewhere: swap `BeancountConnector` for a client of the package's API. See docs/connectors.md,
"Over Kafka".
"""
