"""A real IMAP server for tests: Debian's dovecot, our own instance on a free port in tmp.

Plaintext login over 127.0.0.1, one passwd-file user, Maildir under the test's tmp folder;
the system's dovecot configuration and service are never touched.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.live import free_port

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER, PASSWORD = "inbox", "s3cret pass"


@dataclass(frozen=True)
class ImapServer:
    port: int
    user: str
    password: str

    def url(self, folder: str = "INBOX") -> str:
        return f"imap://{self.user}:{PASSWORD.replace(' ', '%20')}@127.0.0.1:{self.port}/{folder}"


def require_dovecot() -> None:
    if not os.path.exists(DOVECOT):
        pytest.skip("dovecot-imapd is not installed (apt-get install dovecot-imapd; .ci/run does)")


def _mail_owner() -> tuple[str, str]:
    """Dovecot refuses to keep mail as root: a root test run stores it as nobody."""
    if os.geteuid() == 0:
        return "nobody", grp.getgrgid(pwd.getpwnam("nobody").pw_gid).gr_name
    return pwd.getpwuid(os.geteuid()).pw_name, grp.getgrgid(os.getegid()).gr_name


def _config(root: Path, port: int) -> str:
    user, group = _mail_owner()
    unprivileged = (
        ""
        if os.geteuid() == 0
        else (
            f"default_login_user = {user}\ndefault_internal_user = {user}\n"
            f"default_internal_group = {group}\n"
        )
    )
    return f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
instance_name = paytrack-test-{port}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
{unprivileged}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={user} gid={group} home={root}/mail/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  fifo_listener stats-mail {{
    mode = 0
  }}
}}
"""


@contextmanager
def dovecot() -> Iterator[ImapServer]:
    """Start a private dovecot and stop it (by its own pid) when the block ends.

    Its folder is a fresh one under the system temp dir, not pytest's tmp_path: dovecot's
    auth and mail processes run as other users and must be able to reach it.
    """
    require_dovecot()
    root = Path(tempfile.mkdtemp(prefix="paytrack-dovecot-"))
    root.chmod(0o755)
    for folder in ("run", "state", "mail"):
        (root / folder).mkdir()
    user, group = _mail_owner()
    shutil.chown(root / "mail", user, group)
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
    port = free_port()
    config = root / "dovecot.conf"
    config.write_text(_config(root, port))
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(config)])
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log = (
                        (root / "dovecot.log").read_text()
                        if (root / "dovecot.log").exists()
                        else ""
                    )
                    pytest.fail(f"dovecot did not start: {log[-2000:]}")
                time.sleep(0.1)
        yield ImapServer(port=port, user=USER, password=PASSWORD)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        shutil.rmtree(root, ignore_errors=True)
