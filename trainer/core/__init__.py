"""The domain: storage, rules and services. Never imports Qt or trainer.ui."""
