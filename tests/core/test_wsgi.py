"""A server worker is ready when it has loaded the app: the search's dictionaries are loaded as it starts, not on
its first visitor's search."""

import os
import subprocess
import sys


def test_loading_the_wsgi_app_warms_the_search(tmp_path):
    code = ("import learncity.wsgi\nfrom learncity.catalog import search\n"
            "assert search._jieba is not None, 'jieba not loaded'\nprint('warm')")
    env = {**os.environ, "LEARNCITY_DATA_DIR": str(tmp_path)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout.strip()) == (0, "warm"), done.stderr[-2000:]
