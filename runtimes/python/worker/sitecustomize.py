"""Loaded at start-up by every Python worker pipesim runs ("process" consumers).

It makes a botocore too old to read AWS_ENDPOINT_URL* (before 1.31, as Debian 12's boto3 1.26)
read them, with the same patch the Lambda runtime shim applies, so the worker's calls reach
pipesim's endpoint without a change to its code, and makes time.sleep wait in virtual time
(pipesim_runtime.install_worker_sleep). Nothing else is changed.
"""
import os
import sys

_here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, _here)
try:
    import pipesim_runtime

    pipesim_runtime.endpoint_url_patcher().install()
    pipesim_runtime.install_worker_sleep()
finally:
    sys.path.remove(_here)
    sys.modules.pop("pipesim_runtime", None)
