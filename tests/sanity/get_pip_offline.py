"""Stand-in for pip's get-pip.py bootstrap script, which ansible-test downloads from a host outside PyPI.

ansible-test runs this file (as get_pip_<version>.py from its cache) inside each new sanity virtual environment
with pip's own options and the packages to install, e.g. `pip==24.2 --no-setuptools --no-wheel`. It installs the
pip wheel bundled with Python (ensurepip, no network), then lets that pip install the requested packages from the
package index, which is reachable here.
"""

from __future__ import annotations

import subprocess
import sys

#: Options of get-pip.py itself that pip does not know: this environment gets neither package unless asked.
GET_PIP_ONLY_OPTIONS = frozenset({"--no-setuptools", "--no-wheel"})


def main() -> None:
    """Install pip into the running interpreter's environment, then the packages from the command line."""
    pip_arguments = [argument for argument in sys.argv[1:] if argument not in GET_PIP_ONLY_OPTIONS]
    subprocess.run([sys.executable, "-m", "ensurepip", "--default-pip"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([sys.executable, "-m", "pip", "install", *pip_arguments], check=True)


if __name__ == "__main__":
    main()
