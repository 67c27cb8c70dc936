#!/usr/bin/env python3
"""Real mail servers for Deskside's email tests and the bench, in a fresh temporary directory.

Full mode (default): Debian's Dovecot 2.3 for IMAP (with STARTTLS and IDLE) and LMTP, plus an
aiosmtpd SMTP server that hands every accepted message to Dovecot over LMTP, so mail sent to
`alice@example.com` lands in IMAP user `alice@example.com`'s INBOX. Every user exists on the
fly and every password is `secret`. `--sink`: only an SMTP server that accepts and counts.

Everything listens on 127.0.0.1 on free ports. When all of it accepts connections, one JSON line
goes to stdout: {"smtp": PORT, "imap": PORT, "lmtp": PORT, "dir": DIR, "ca": CA_PEM}. Then each
JSON line on stdin is a command, answered with one JSON line (see COMMANDS below). EOF on stdin,
SIGTERM, SIGINT or SIGHUP stop Dovecot and remove the directory.

Run it with target/mail-venv/bin/python (`make mail-servers` installs Dovecot and the venv).
Dovecot runs as root here in the foreground (`-F`), its login processes as `dovenull` without a
chroot and the mail as the `dovecot` user, which owns the maildirs.
"""

import argparse
import asyncio
import base64
import grp
import imaplib
import json
import logging
import os
import pwd
import re
import shutil
import signal
import smtplib
import socket
import ssl
import subprocess
import sys
import tempfile
import time

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

HOST = "127.0.0.1"
PASSWORD = "secret"
DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
# Unix sockets live under Dovecot's base_dir: their paths must stay short (108 bytes at most).
MAX_BASE = 60


class HarnessError(Exception):
    """Startup failed; the message says why, with the tail of Dovecot's log if it ran."""


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def run(args, cwd):
    done = subprocess.run(args, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if done.returncode != 0:
        raise HarnessError(f"{' '.join(args)} failed: {done.stderr.strip()}")


def make_certificates(tls_dir):
    """A throwaway CA and a server certificate it signed for 127.0.0.1 and localhost.

    A separate CA (rather than one self-signed certificate) because rustls refuses a CA
    certificate as the server's own, and a client needs a trust anchor to pin."""
    os.makedirs(tls_dir, mode=0o755)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run(["openssl", "req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "3",
         "-subj", "/CN=Deskside test mail CA",
         "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign"], tls_dir)
    run(["openssl", "req", "-new", *ec, "-keyout", "server.key", "-out", "server.csr",
         "-subj", "/CN=localhost"], tls_dir)
    with open(os.path.join(tls_dir, "server.ext"), "w") as f:
        f.write("basicConstraints=critical,CA:FALSE\n"
                "keyUsage=critical,digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\n"
                "subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run(["openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
         "-CAcreateserial", "-days", "3", "-extfile", "server.ext", "-out", "server.pem"], tls_dir)
    return os.path.join(tls_dir, "ca.pem"), os.path.join(tls_dir, "server.pem"), os.path.join(
        tls_dir, "server.key")


def log_tail(path, lines=30):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return ""


def descendants(root_pid):
    """The live processes below `root_pid` (Dovecot's master forks every service itself)."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        if fields[0] != "Z":
            children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [root_pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


class Dovecot:
    """One Dovecot master in the foreground, configured entirely from files in `root`."""

    def __init__(self, root, cert, key):
        self.root, self.cert, self.key = root, cert, key
        self.log = os.path.join(root, "dovecot.log")
        self.proc = None
        self.imap = self.imaps = self.lmtp = None

    def config(self):
        root = self.root
        if os.geteuid() == 0:
            mail, login, internal = "dovecot", "dovenull", "dovecot"
        else:  # a developer without root: everything as themselves
            mail = login = internal = pwd.getpwuid(os.geteuid()).pw_name
        uid, gid = pwd.getpwnam(mail).pw_uid, pwd.getpwnam(mail).pw_gid
        internal_group = grp.getgrgid(pwd.getpwnam(internal).pw_gid).gr_name
        return f"""# Written by end2end/mailservers.py for one test run.
base_dir = {root}/run
state_dir = {root}/state
instance_name = deskside-{os.path.basename(root)}
listen = {HOST}
protocols = imap lmtp
log_path = {self.log}
ssl = yes
ssl_cert = <{self.cert}
ssl_key = <{self.key}
disable_plaintext_auth = no
# XOAUTH2 and OAUTHBEARER check the bearer token against the passdb: the token is `secret`.
auth_mechanisms = plain login xoauth2 oauthbearer
# Tests of a wrong password need not wait Dovecot's usual two seconds.
auth_failure_delay = 0
default_login_user = {login}
default_internal_user = {internal}
default_internal_group = {internal_group}
first_valid_uid = {min(uid, 500)}
first_valid_gid = {min(gid, 1)}
mail_location = maildir:~/Maildir
passdb {{
  driver = static
  args = password={PASSWORD}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u allow_all_users=yes
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = {HOST}
    port = {self.imap}
  }}
  inet_listener imaps {{
    address = {HOST}
    port = {self.imaps}
    ssl = yes
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = {HOST}
    port = {self.lmtp}
  }}
}}
protocol lmtp {{
  postmaster_address = postmaster@example.com
}}
"""

    def start(self, deadline, same_ports=False):
        """Starts Dovecot on free ports, or on the ports it had (a restart after `stop`)."""
        root = self.root
        for sub in ("run", "state", "mail"):
            os.makedirs(os.path.join(root, sub), exist_ok=True)
        if os.geteuid() == 0:
            os.chown(os.path.join(root, "mail"), pwd.getpwnam("dovecot").pw_uid,
                     pwd.getpwnam("dovecot").pw_gid)
        os.chmod(os.path.join(root, "mail"), 0o700)
        last = ""
        for _ in range(3):  # a free port can be taken between our probe and Dovecot's bind
            if not same_ports:
                self.imap, self.imaps, self.lmtp = free_port(), free_port(), free_port()
            conf = os.path.join(root, "dovecot.conf")
            with open(conf, "w") as f:
                f.write(self.config())
            # Dovecot writes early errors to stderr and keeps it open: a file, never a pipe.
            with open(self.log, "ab") as err:
                self.proc = subprocess.Popen([DOVECOT, "-F", "-c", conf], stdin=subprocess.DEVNULL,
                                             stdout=err, stderr=err)
            if self.wait_ready(deadline):
                return
            last = log_tail(self.log)
            self.stop()
            if "in use" not in last or same_ports:
                break
        raise HarnessError(f"Dovecot did not start; the end of {self.log}:\n{last}")

    def wait_ready(self, deadline):
        pending = {self.imap: b"* OK", self.imaps: None, self.lmtp: b"220"}
        while pending and time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            for port, greeting in list(pending.items()):
                try:
                    with socket.create_connection((HOST, port), timeout=1) as s:
                        # The TLS port says nothing first: accepting is enough there.
                        if greeting is None or s.recv(64).startswith(greeting):
                            del pending[port]
                except OSError:
                    pass
            if pending:
                time.sleep(0.01)
        return not pending

    def stop(self):
        if self.proc is None:
            return
        # Taken before the master goes: its children are then reparented and lost from view.
        children = descendants(self.proc.pid)
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                # Dovecot's orderly shutdown lingers about a second; the directory goes anyway.
                self.proc.wait(0.2)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        # The master is gone; make sure none of its children outlives it.
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


class State:
    def __init__(self):
        self.messages = 0
        self.recipients = 0
        self.sessions = 0
        self.reject_remaining = 0
        self.reject_code = 451
        self.live = set()


def rejection(code):
    cls = 4 if 400 <= code < 500 else 5
    return f"{code} {cls}.3.0 Rejected by the test harness (reject_next)"


class Session(SMTP):
    """aiosmtpd's SMTP protocol, counting sessions and remembered so an outage can cut them."""

    def __init__(self, state, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.state = state

    def connection_made(self, transport):
        self.state.sessions += 1
        self.state.live.add(self)
        super().connection_made(transport)

    def connection_lost(self, exc):
        self.state.live.discard(self)
        super().connection_lost(exc)


class SinkHandler:
    def __init__(self, state):
        self.state = state

    async def handle_DATA(self, server, session, envelope):
        state = self.state
        if state.reject_remaining > 0:
            state.reject_remaining -= 1
            return rejection(state.reject_code)
        state.messages += 1
        state.recipients += len(envelope.rcpt_tos)
        return "250 2.0.0 Accepted"


class RelayHandler(SinkHandler):
    """Answers 250 only once Dovecot's LMTP has taken the message for every recipient."""

    def __init__(self, state, lmtp_port):
        super().__init__(state)
        self.lmtp_port = lmtp_port

    def deliver(self, sender, recipients, raw):
        with smtplib.LMTP(HOST, self.lmtp_port, timeout=30) as lmtp:
            # One recipient per transaction: smtplib reads only one reply after DATA, and LMTP
            # sends one per recipient.
            for rcpt in recipients:
                lmtp.sendmail(sender, [rcpt], raw)

    async def handle_DATA(self, server, session, envelope):
        state = self.state
        if state.reject_remaining > 0:
            state.reject_remaining -= 1
            return rejection(state.reject_code)
        raw = envelope.original_content
        if raw is None:
            raw = envelope.content
        try:
            await asyncio.get_running_loop().run_in_executor(
                None, self.deliver, envelope.mail_from, envelope.rcpt_tos, raw)
        except smtplib.SMTPRecipientsRefused as e:
            code, msg = next(iter(e.recipients.values()))
            return f"{code} LMTP refused: {msg.decode(errors='replace')}"
        except smtplib.SMTPResponseException as e:
            return f"{e.smtp_code} LMTP: {e.smtp_error.decode(errors='replace')}"
        except (OSError, smtplib.SMTPException) as e:
            return f"451 4.3.0 LMTP delivery failed: {e}"
        state.messages += 1
        state.recipients += len(envelope.rcpt_tos)
        return "250 2.0.0 Delivered"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok)


class Harness:
    def __init__(self, sink):
        self.sink = sink
        self.state = State()
        self.dir = self.make_dir()
        self.dovecot = None
        self.servers = {}  # "smtp" (STARTTLS offered) and "smtps" (implicit TLS) when up
        self.ports = {"smtp": None, "smtps": None}
        self.ca = self.cert = self.key = None
        self.tls = None

    @staticmethod
    def make_dir():
        base = None if len(tempfile.gettempdir()) < MAX_BASE else "/tmp"
        root = tempfile.mkdtemp(prefix="deskside-mail-", dir=base)
        os.chmod(root, 0o755)  # Dovecot's unprivileged processes must reach base_dir and mail
        return root

    def start(self, loop):
        deadline = time.monotonic() + 20
        self.ca, self.cert, self.key = make_certificates(os.path.join(self.dir, "tls"))
        self.tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.tls.load_cert_chain(self.cert, self.key)
        if not self.sink:
            if not os.access(DOVECOT, os.X_OK):
                raise HarnessError("Dovecot is not installed: run `make mail-servers`")
            self.dovecot = Dovecot(self.dir, self.cert, self.key)
            self.dovecot.start(deadline)
            self.handler = RelayHandler(self.state, self.dovecot.lmtp)
        else:
            self.handler = SinkHandler(self.state)

    def factory(self, starttls):
        return lambda: Session(
            self.state, self.handler, hostname="localhost",
            tls_context=self.tls if starttls else None, require_starttls=False,
            auth_required=False, auth_require_tls=False, authenticator=authenticator,
            enable_SMTPUTF8=True, data_size_limit=64 * 1024 * 1024, timeout=120)

    async def smtp_up(self):
        loop = asyncio.get_running_loop()
        for name, tls in (("smtp", None), ("smtps", self.tls)):
            if name not in self.servers:
                server = await loop.create_server(self.factory(tls is None), HOST,
                                                  self.ports[name] or 0, ssl=tls,
                                                  reuse_address=True)
                self.servers[name] = server
                self.ports[name] = server.sockets[0].getsockname()[1]

    async def smtp_down(self):
        for server in self.servers.values():
            server.close()
        self.servers.clear()
        for session in list(self.state.live):  # an outage cuts the open connections too
            if session.transport is not None:
                session.transport.abort()

    def ready_line(self):
        dovecot = self.dovecot
        return {**self.ports,
                "imap": dovecot.imap if dovecot else None,
                "imaps": dovecot.imaps if dovecot else None,
                "lmtp": dovecot.lmtp if dovecot else None,
                "dir": self.dir, "ca": self.ca}

    def imap_down(self, req):
        self.need_dovecot().stop()
        return {}

    def imap_up(self, req):
        dovecot = self.need_dovecot()
        if dovecot.proc is None:
            dovecot.start(time.monotonic() + 20, same_ports=True)
        return {}

    def need_dovecot(self):
        if self.dovecot is None:
            raise ValueError("no IMAP server in --sink mode")
        return self.dovecot

    def stop(self):
        for server in self.servers.values():
            server.close()
        self.servers.clear()
        if self.dovecot is not None:
            self.dovecot.stop()
            self.dovecot = None
        shutil.rmtree(self.dir, ignore_errors=True)

    # --- COMMANDS: each takes the parsed JSON line and returns the answer's fields. ---

    def imap(self, user):
        imap = imaplib.IMAP4(HOST, self.need_dovecot().imap, timeout=30)
        imap.login(user, PASSWORD)
        return imap

    def cmd_mailbox(self, req):
        folder = req.get("folder", "INBOX")
        messages = []
        with self.imap(req["user"]) as imap:
            typ, data = imap.select(folder, readonly=True)
            if typ != "OK":
                raise ValueError(f"cannot select {folder}: {data}")
            if int(data[0]) > 0:
                typ, data = imap.fetch("1:*", "(UID FLAGS BODY.PEEK[])")
                if typ != "OK":
                    raise ValueError(f"FETCH failed: {data}")
                for i, item in enumerate(data):
                    if not isinstance(item, tuple):
                        continue
                    meta = item[0]
                    if i + 1 < len(data) and isinstance(data[i + 1], bytes):
                        meta += data[i + 1]  # FLAGS may come after the literal
                    flags = re.search(rb"FLAGS \(([^)]*)\)", meta)
                    uid = re.search(rb"UID (\d+)", meta)
                    messages.append({
                        "uid": int(uid.group(1)) if uid else None,
                        "flags": flags.group(1).decode().split() if flags else [],
                        "raw_b64": base64.b64encode(item[1]).decode(),
                    })
            imap.logout()
        return {"messages": messages}

    def cmd_append(self, req):
        raw = base64.b64decode(req["raw_b64"])
        flags = req.get("flags")
        with self.imap(req["user"]) as imap:
            # imaplib's append() rewrites bare CR and LF to CRLF; odd messages must stay odd.
            imap.literal = raw
            typ, data = imap._simple_command(
                "APPEND", req.get("folder", "INBOX"),
                f"({' '.join(flags)})" if flags else None)
            if typ != "OK":
                raise ValueError(f"APPEND failed: {data}")
            imap.logout()
        uid = re.search(rb"APPENDUID \d+ (\d+)", data[0] or b"")
        return {"uid": int(uid.group(1)) if uid else None}

    def cmd_capabilities(self, req):
        out = {}
        if self.dovecot is not None:
            imap = imaplib.IMAP4(HOST, self.dovecot.imap, timeout=30)
            out["imap_pre_login"] = list(imap.capabilities)
            imap.login(req.get("user", "capabilities@example.com"), PASSWORD)
            typ, data = imap.capability()
            out["imap"] = data[0].decode().split()
            imap.logout()
        with smtplib.SMTP(HOST, self.ports["smtp"], timeout=30) as smtp:
            smtp.ehlo()
            out["smtp"] = [k.upper() for k in smtp.esmtp_features]
        return out

    def cmd_send(self, req):
        raw = base64.b64decode(req["raw_b64"])
        trust = ssl.create_default_context(cafile=self.ca)
        try:
            if req.get("implicit_tls"):
                client = smtplib.SMTP_SSL(HOST, self.ports["smtps"], timeout=30, context=trust)
            else:
                client = smtplib.SMTP(HOST, self.ports["smtp"], timeout=30)
            with client as smtp:
                if req.get("starttls"):
                    smtp.starttls(context=trust)
                if req.get("user"):
                    smtp.login(req["user"], req.get("password", PASSWORD))
                smtp.sendmail(req["from"], req["to"], raw)
        except smtplib.SMTPRecipientsRefused as e:
            code, msg = next(iter(e.recipients.values()))
            return {"sent": False, "code": code, "message": msg.decode(errors="replace")}
        except smtplib.SMTPResponseException as e:
            return {"sent": False, "code": e.smtp_code,
                    "message": e.smtp_error.decode(errors="replace")}
        except ConnectionRefusedError as e:
            return {"sent": False, "refused": True, "message": str(e)}
        except (OSError, smtplib.SMTPException) as e:
            return {"sent": False, "message": f"{type(e).__name__}: {e}"}
        return {"sent": True}

    async def command(self, req):
        cmd = req.get("cmd")
        loop = asyncio.get_running_loop()
        if cmd == "smtp_down":
            await self.smtp_down()
            return {}
        if cmd == "smtp_up":
            await self.smtp_up()
            return {}
        if cmd == "reject_next":
            self.state.reject_remaining = int(req.get("count", 1))
            self.state.reject_code = int(req.get("code", 451))
            return {}
        if cmd == "count":
            return {"messages": self.state.messages, "recipients": self.state.recipients,
                    "sessions": self.state.sessions}
        blocking = {"send": self.cmd_send, "mailbox": self.cmd_mailbox,
                    "append": self.cmd_append, "capabilities": self.cmd_capabilities,
                    "imap_down": self.imap_down, "imap_up": self.imap_up}.get(cmd)
        if blocking is None:
            raise ValueError(f"unknown command {cmd!r}")
        # Off the loop: the SMTP server in this same loop must keep answering meanwhile.
        return await loop.run_in_executor(None, blocking, req)


def answer(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


async def serve(harness):
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        loop.add_signal_handler(sig, stop.set)
    await loop.run_in_executor(None, harness.start, loop)
    await harness.smtp_up()
    answer(harness.ready_line())

    reader = asyncio.StreamReader(limit=256 * 1024 * 1024)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

    async def commands():
        while line := await reader.readline():
            if not line.strip():
                continue
            try:
                req = json.loads(line)
                result = await harness.command(req)
                answer({"ok": True, **result})
            except Exception as e:  # the caller gets the error as data and carries on
                answer({"ok": False, "error": f"{type(e).__name__}: {e}"})

    reading = asyncio.create_task(commands())
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({reading, stopping}, return_when=asyncio.FIRST_COMPLETED)
    reading.cancel()
    stopping.cancel()
    await harness.smtp_down()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sink", action="store_true",
                        help="only an SMTP server that accepts and counts messages")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    logging.getLogger("mail.log").setLevel(logging.ERROR)

    if os.getpgrp() != os.getpid() and not sys.stdin.isatty():
        # Our own process group, so a caller can end us and Dovecot together with killpg.
        os.setpgid(0, 0)
    harness = Harness(args.sink)
    try:
        asyncio.run(serve(harness))
    except HarnessError as e:
        answer({"error": str(e)})
        return 1
    except Exception as e:  # the caller waits for one line: it must get one
        answer({"error": f"{type(e).__name__}: {e}"})
        return 1
    finally:
        harness.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
