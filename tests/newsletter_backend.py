"""An email backend for the newsletter worker test: slow, and writing each recipient to a file.

A worker process runs it (``tests/test_newsletter_worker.py``): the file is how
the test learns what the worker sent before it was killed.
"""

import os
import time

from django.core.mail.backends.base import BaseEmailBackend


class RecordingSlowBackend(BaseEmailBackend):
    def send_messages(self, messages):
        with open(os.environ["OSCAR_PRIVACY_TEST_NEWSLETTER_LOG"], "a", encoding="utf-8") as log:
            for message in messages:
                log.write(message.to[0] + "\n")
                log.flush()
                time.sleep(0.2)
        return len(messages)
