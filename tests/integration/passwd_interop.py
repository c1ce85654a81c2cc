#!/usr/bin/env python3
"""pummelo-passwd and Mosquitto agree on password files.

  passwd_interop.py --passwd PATH_TO_pummelo-passwd

Checks pummelo-passwd's command line (exit codes, messages, file modes), then
builds one file with both tools taking turns (each must read what the other
wrote) and starts the real Mosquitto broker on it, on a free 127.0.0.1 port:
users added by either tool log in with mosquitto_pub, wrong passwords and
deleted users do not. (That password_file::check accepts what mosquitto_passwd
writes is in tests/broker/password_file_test.cpp.)

Exit: 0 passed, 1 failed, 77 skipped (Mosquitto's programs not installed).
"""

import argparse
import os
import pwd
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time

failures = []


def check(condition, what):
    print(("ok      " if condition else "FAILED  ") + what)
    if not condition:
        failures.append(what)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def run(argv, stdin=None):
    """Runs argv for at most 30 s; (exit code, stdout, stderr)."""
    p = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout, p.stderr


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def find(name, *fallbacks):
    found = shutil.which(name)
    if found:
        return found
    return next((f for f in fallbacks if os.access(f, os.X_OK)), None)


def command_line_cases(tool, d):
    pw = os.path.join(d, "cli")
    rc, _, err = run([tool, "-b", "-c", pw, "alice", "alice-secret"])
    check(rc == 0 and err == "", "-b -c creates the file")
    check(mode(pw) == 0o600, "a new file has mode 0600")
    rc, _, _ = run([tool, "-b", pw, "bob", "bob-secret"])
    check(rc == 0, "-b adds a user to an existing file")
    os.chmod(pw, 0o640)
    rc, _, _ = run([tool, pw, "carol"], stdin="carol-secret\n")
    check(rc == 0, "the password is read from a non-terminal stdin")
    check(mode(pw) == 0o640, "an existing file keeps its mode")
    with open(pw) as f:
        lines = f.read().splitlines()
    check([l.split(":")[0] for l in lines] == ["alice", "bob", "carol"], "users stay in order")
    check(all(l.split(":", 1)[1].startswith("$7$101$") for l in lines), "hashes are $7$ with 101 iterations")
    check(not [n for n in os.listdir(d) if n.startswith("cli.")], "no temporary file is left")

    rc, _, err = run([tool, "-D", pw, "dave"])
    check(rc == 1 and err == "pummelo-passwd: no such user: dave\n", "-D of an unknown user fails: " + err.strip())
    missing = os.path.join(d, "missing")
    rc, _, err = run([tool, "-b", missing, "u", "p"])
    check(rc == 1 and err == f"pummelo-passwd: cannot open {missing}: No such file or directory\n",
          "without -c the file must exist: " + err.strip())
    check(not os.path.exists(missing), "...and is not created")
    rc, _, err = run([tool, "-b", pw, "a:b", "p"])
    check(rc == 1 and "':'" in err, "a user with ':' is refused: " + err.strip())
    rc, _, err = run([tool, pw, "erin"], stdin="")
    check(rc == 1 and "no password" in err, "no password on stdin fails: " + err.strip())
    rc, _, err = run([tool, pw, "erin"], stdin="\n")
    check(rc == 1 and "empty password" in err, "an empty password from stdin fails: " + err.strip())
    bad = os.path.join(d, "bad")
    with open(bad, "w") as f:
        f.write("alice:$5$x$y\n")
    rc, _, err = run([tool, "-b", bad, "u", "p"])
    check(rc == 1 and err == f"pummelo-passwd: {bad}: line 1: unknown hash type '$5$'\n",
          "a malformed file is refused: " + err.strip())

    for argv in ([], [pw], ["-x", pw, "u"], ["-D", "-c", pw, "u"], ["-D", "-b", pw, "u", "p"],
                 ["-b", pw, "u"], [pw, "u", "extra"]):
        rc, _, err = run([tool] + argv)
        check(rc == 2 and "usage: pummelo-passwd" in err, f"usage error for {argv}")
    rc, out, _ = run([tool, "--help"])
    check(rc == 0 and out.startswith("usage: pummelo-passwd"), "--help")


def start_mosquitto(mosquitto, d, password_file):
    port = free_port()
    conf = os.path.join(d, "mosquitto.conf")
    with open(conf, "w") as f:
        # Run as ourselves: as root Mosquitto would otherwise switch to the
        # "mosquitto" user, who cannot read our 0600 file.
        f.write(f"user {pwd.getpwuid(os.geteuid()).pw_name}\n"
                f"listener {port} 127.0.0.1\nallow_anonymous false\n"
                f"password_file {password_file}\npersistence false\n")
    log = open(os.path.join(d, "mosquitto.log"), "wb")
    proc = subprocess.Popen([mosquitto, "-c", conf], stdout=log, stderr=subprocess.STDOUT)
    log.close()
    return proc, port


def broker_cases(tool, mosquitto, mosquitto_pub, mosquitto_passwd, d):
    pw = os.path.join(d, "shared")
    # The tools take turns, each reading the file the other wrote.
    check(run([tool, "-b", "-c", pw, "alice", "alice-secret"])[0] == 0, "pummelo-passwd -b -c alice")
    check(run([mosquitto_passwd, "-b", pw, "dave", "dave-secret"])[0] == 0, "mosquitto_passwd adds dave")
    check(run([tool, "-b", pw, "bob", "bob-secret"])[0] == 0, "pummelo-passwd adds bob")
    check(run([tool, pw, "carol"], stdin="carol-secret\n")[0] == 0, "pummelo-passwd adds carol")
    check(run([tool, "-D", pw, "bob"])[0] == 0, "pummelo-passwd deletes bob")

    proc, port = start_mosquitto(mosquitto, d, pw)
    try:
        up = wait_port(port) and proc.poll() is None
        check(up, f"mosquitto started on port {port}")
        if not up:
            with open(os.path.join(d, "mosquitto.log")) as f:
                print(f.read())
            return

        def publish(user, password):
            try:
                return run([mosquitto_pub, "-h", "127.0.0.1", "-p", str(port), "-u", user,
                            "-P", password, "-t", "t", "-m", "x"])[0]
            except subprocess.TimeoutExpired:
                return "timeout"

        check(publish("alice", "alice-secret") == 0, "alice (pummelo-passwd -c) logs in")
        check(publish("alice", "wrong") not in (0, "timeout"), "alice with a wrong password does not")
        check(publish("carol", "carol-secret") == 0, "carol (pummelo-passwd from stdin) logs in")
        check(publish("dave", "dave-secret") == 0, "dave (mosquitto_passwd, kept by pummelo-passwd) logs in")
        check(publish("bob", "bob-secret") not in (0, "timeout"), "bob (deleted) does not")
        check(publish("nobody", "alice-secret") not in (0, "timeout"), "an unknown user does not")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--passwd", required=True, help="the pummelo-passwd binary")
    args = ap.parse_args()
    mosquitto = find("mosquitto", "/usr/sbin/mosquitto")
    mosquitto_pub = find("mosquitto_pub")
    mosquitto_passwd = find("mosquitto_passwd")
    if not (mosquitto and mosquitto_pub and mosquitto_passwd):
        print("skipped: mosquitto, mosquitto_pub or mosquitto_passwd not installed")
        return 77
    with tempfile.TemporaryDirectory(prefix="pummelo-passwd-") as d:
        command_line_cases(args.passwd, d)
        broker_cases(args.passwd, mosquitto, mosquitto_pub, mosquitto_passwd, d)
    print(f"{len(failures)} failed" if failures else "all passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
