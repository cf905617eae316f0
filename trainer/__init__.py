"""CVI Trainer: train and credential community violence intervention workers."""

__version__ = "0.1.0"
APP_NAME = "CVI Trainer"
