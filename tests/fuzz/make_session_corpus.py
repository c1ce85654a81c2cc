#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_session into corpus/session/.

Each seed is a config byte and records (see fuzz_session.cpp): realistic
client sessions of one or two clients against the broker. Files named
regression_* are inputs that once found a bug; they are kept as they are.
Re-run after changing the seeds or the input format:
    python3 tests/fuzz/make_session_corpus.py
"""
import json
import pathlib
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from make_corpus import frame, props, s  # noqa: E402

# Config byte (fuzz_session.cpp)
ACL, PASSWD, NO_ANON, BUFFER, UID_CLIENT_ID = 0x01, 0x02, 0x04, 0x08, 0x10
SECURE = ACL | PASSWD

# Record header
A, B = 0x00, 0x01
CLOSE, HOLD, NO_READ, HALF = 0x02, 0x04, 0x08, 0x10


def rec(header, data):
    """Records writing `data` to one client; longer than 255 bytes: split."""
    out = bytearray()
    chunks = [data[i:i + 255] for i in range(0, len(data), 255)] or [b""]
    for i, chunk in enumerate(chunks):
        flags = header if i == len(chunks) - 1 else header & (B | NO_READ)
        out += bytes([flags, len(chunk)]) + chunk
    return bytes(out)


def each(header, *packets):
    """One record (one read by the broker, usually) per packet."""
    return b"".join(rec(header, p) for p in packets)


def seed(config, *records):
    return bytes([config]) + b"".join(records)


def connect(client_id, version=4, clean=True, keep_alive=60, user=None, password=None,
            will=None, connect_props=b"", will_props=b""):
    """CONNECT; will = (topic, payload, qos, retain)."""
    flags = 0x02 if clean else 0
    payload = s(client_id)
    if will:
        topic, message, qos, retain = will
        flags |= 0x04 | (qos << 3) | (0x20 if retain else 0)
        if version == 5:
            payload += props(will_props)
        payload += s(topic) + s(message)
    if user is not None:
        flags |= 0x80
        payload += s(user)
    if password is not None:
        flags |= 0x40
        payload += s(password)
    name = "MQIsdp" if version == 3 else "MQTT"
    head = s(name) + bytes([version, flags]) + keep_alive.to_bytes(2, "big")
    if version == 5:
        head += props(connect_props)
    return frame(0x10, head + payload)


def publish(topic, payload=b"", qos=0, packet_id=1, retain=False, dup=False, v5=False,
            publish_props=b""):
    first = 0x30 | (qos << 1) | (0x01 if retain else 0) | (0x08 if dup else 0)
    body = s(topic)
    if qos:
        body += packet_id.to_bytes(2, "big")
    if v5:
        body += props(publish_props)
    return frame(first, body + (payload.encode() if isinstance(payload, str) else payload))


def subscribe(packet_id, entries, v5=False, subscribe_props=b""):
    """entries: (filter, options byte)."""
    body = packet_id.to_bytes(2, "big") + (props(subscribe_props) if v5 else b"")
    for f, o in entries:
        body += s(f) + bytes([o])
    return frame(0x82, body)


def unsubscribe(packet_id, filters, v5=False):
    body = packet_id.to_bytes(2, "big") + (props(b"") if v5 else b"")
    return frame(0xA2, body + b"".join(s(f) for f in filters))


def ack(kind, packet_id, reason=None):
    """kind: 0x40 PUBACK, 0x50 PUBREC, 0x62 PUBREL, 0x70 PUBCOMP."""
    body = packet_id.to_bytes(2, "big") + (bytes([reason]) if reason is not None else b"")
    return frame(kind, body)


PUBACK, PUBREC, PUBREL, PUBCOMP = 0x40, 0x50, 0x62, 0x70
PINGREQ = bytes.fromhex("c000")
DISCONNECT = bytes.fromhex("e000")


def disconnect5(reason=0, disconnect_props=b""):
    return frame(0xE0, bytes([reason]) + props(disconnect_props))


def u32(prop, n):
    return bytes([prop]) + n.to_bytes(4, "big")


def u16(prop, n):
    return bytes([prop]) + n.to_bytes(2, "big")


def utf8(prop, text):
    return bytes([prop]) + s(text)


SESSION_EXPIRY, RECEIVE_MAX, MAX_PACKET, TOPIC_ALIAS_MAX = 0x11, 0x21, 0x27, 0x22
TOPIC_ALIAS, RESPONSE_TOPIC, CORRELATION, WILL_DELAY = 0x23, 0x08, 0x09, 0x18
MESSAGE_EXPIRY, USER_PROP = 0x02, 0x26


def user_prop(key, value):
    return bytes([USER_PROP]) + s(key) + s(value)


def push(body):
    """A $push request body."""
    return json.dumps(body, separators=(",", ":")).encode()


SEEDS = {
    # One 3.1.1 client, everything in one read, then packet by packet.
    "v311_session": seed(0, rec(A, connect("c1") + subscribe(1, [("a/#", 2)])
                                + publish("a/b", "q0") + publish("a/b", "q1", 1, 2)
                                + ack(PUBACK, 1) + publish("a/c", "q2", 2, 3)
                                + ack(PUBREL, 3) + ack(PUBREC, 2) + ack(PUBCOMP, 2)
                                + unsubscribe(4, ["a/#"]) + PINGREQ + DISCONNECT)),
    "v311_packet_per_read": seed(0, each(A, connect("c1", keep_alive=10),
                                         subscribe(1, [("a/+", 1), ("b/#", 0)]),
                                         publish("a/x", "hi", 1, 7), ack(PUBACK, 1),
                                         unsubscribe(2, ["a/+", "nope"]), PINGREQ, DISCONNECT)),
    "v311_bytewise": seed(0, b"".join(rec(A, bytes([b])) for b in
                                      connect("c1") + subscribe(1, [("t", 0)]) + publish("t", "x"))),
    "v31_session": seed(0, each(A, connect("mqisdp-client", version=3, user="u", password="p"),
                                subscribe(1, [("a/b", 1)]), publish("a/b", "x", 1, 1),
                                ack(PUBACK, 1), DISCONNECT)),
    # MQTT 5: properties on every packet, QoS 2 both ways.
    "v5_session": seed(0, each(A, connect("c5", 5, connect_props=u32(SESSION_EXPIRY, 0)
                                           + u16(RECEIVE_MAX, 5) + u16(TOPIC_ALIAS_MAX, 2)),
                               subscribe(1, [("a/#", 2)], v5=True, subscribe_props=b"\x0b\x07"),
                               publish("a/b", "m", 2, 1, v5=True,
                                       publish_props=u32(MESSAGE_EXPIRY, 60) + user_prop("k", "v")),
                               ack(PUBREL, 1, 0), ack(PUBREC, 1, 0), ack(PUBCOMP, 1, 0),
                               unsubscribe(2, ["a/#"], v5=True), PINGREQ, disconnect5())),
    "v5_topic_alias": seed(0, each(A, connect("alias", 5), subscribe(1, [("a/#", 0)], v5=True),
                                   publish("a/long/topic", "1", v5=True, publish_props=u16(TOPIC_ALIAS, 1)),
                                   publish("", "2", v5=True, publish_props=u16(TOPIC_ALIAS, 1)),
                                   publish("a/other", "3", 1, 5, v5=True, publish_props=u16(TOPIC_ALIAS, 1)),
                                   publish("", "4", v5=True, publish_props=u16(TOPIC_ALIAS, 2)))),
    "v5_alias_out_of_range": seed(0, each(A, connect("alias", 5),
                                          publish("a/b", "x", v5=True, publish_props=u16(TOPIC_ALIAS, 9)))),
    "v5_subscription_options": seed(0, each(A, connect("opts", 5),
                                            subscribe(1, [("a/#", 0x01 | 0x04), ("a/+", 0x02 | 0x08 | 0x10),
                                                          ("$share/g/a/b", 1)], v5=True,
                                                      subscribe_props=b"\x0b\x2a"),
                                            publish("a/b", "x", 1, 1, retain=True, v5=True),
                                            subscribe(2, [("a/b", 0x20)], v5=True),
                                            ack(PUBACK, 1), disconnect5())),
    "v5_small_max_packet": seed(0, each(A, connect("small", 5, connect_props=u32(MAX_PACKET, 20)),
                                        subscribe(1, [("a/#", 0)], v5=True),
                                        publish("a/b", "x" * 40, v5=True), publish("a/b", "y", v5=True))),
    "v5_receive_maximum": seed(0, each(A, connect("rm", 5, connect_props=u16(RECEIVE_MAX, 1)),
                                       subscribe(1, [("q", 1)], v5=True),
                                       publish("q", "1", 1, 10, v5=True), publish("q", "2", 1, 11, v5=True),
                                       publish("q", "3", 1, 12, v5=True), ack(PUBACK, 1), ack(PUBACK, 2),
                                       ack(PUBACK, 3))),
    # Retained messages: stored, sent on subscribe, cleared.
    "retained": seed(0, each(A, connect("pub"), publish("a/r", "kept", 1, 1, retain=True),
                             publish("a/s", "kept too", retain=True)),
                     each(B, connect("sub"), subscribe(1, [("a/#", 1)]), ack(PUBACK, 1), ack(PUBACK, 2)),
                     each(A, publish("a/r", "", retain=True)),
                     each(B, unsubscribe(2, ["a/#"]), subscribe(3, [("a/#", 0)]))),
    # Wills: 3.1.1 on a dropped connection; 5 with a delay and a session
    # expiry; 5 DISCONNECT 0x04 (send the will anyway).
    "will_v311": seed(0, each(B, connect("watcher"), subscribe(1, [("a/will", 1)])),
                      rec(A | CLOSE, connect("dying", will=("a/will", "gone", 1, True))),
                      each(B, ack(PUBACK, 1))),
    "will_v5_delay": seed(0, each(B, connect("watcher", 5), subscribe(1, [("a/#", 0)], v5=True)),
                          rec(A, connect("dying", 5, clean=False, connect_props=u32(SESSION_EXPIRY, 30),
                                         will=("a/will", "later", 0, False),
                                         will_props=u32(WILL_DELAY, 10))),
                          rec(A | CLOSE, b""),
                          rec(A, connect("dying", 5, clean=False, connect_props=u32(SESSION_EXPIRY, 30)))),
    "will_v5_disconnect_with_will": seed(0, each(B, connect("watcher", 5), subscribe(1, [("a/#", 0)], v5=True)),
                                         each(A, connect("w", 5, will=("a/w", "bye", 0, False)),
                                              disconnect5(0x04))),
    # Two clients: QoS 2 from A to B, B acknowledging.
    "two_clients_qos2": seed(0, each(B, connect("b"), subscribe(1, [("a/x", 2)])),
                             each(A, connect("a"), publish("a/x", "p", 2, 9), ack(PUBREL, 9)),
                             each(B, ack(PUBREC, 1), ack(PUBCOMP, 1))),
    # A persistent session collects messages while offline, then resumes.
    "session_resume": seed(0, rec(A, connect("keep", clean=False) + subscribe(1, [("a/q", 1)])),
                           rec(A | CLOSE, DISCONNECT),
                           each(B, connect("other"), publish("a/q", "1", 1, 1), publish("a/q", "2", 1, 2)),
                           each(A, connect("keep", clean=False), ack(PUBACK, 1), ack(PUBACK, 2))),
    # QoS 2 to a persistent session interrupted after PUBREC: the PUBREL is
    # sent again on the next connection.
    "qos2_resume": seed(0, each(A, connect("q2", clean=False), subscribe(1, [("a/q", 2)])),
                        each(B, connect("pub"), publish("a/q", "x", 2, 4), ack(PUBREL, 4)),
                        rec(A | CLOSE, ack(PUBREC, 1)),
                        each(A, connect("q2", clean=False), ack(PUBCOMP, 1))),
    "takeover": seed(0, each(A, connect("same", clean=False), subscribe(1, [("a/#", 1)])),
                     each(B, connect("same", clean=False), publish("a/t", "x", 1, 1), ack(PUBACK, 1))),
    "v5_disconnect_expiry": seed(0, each(A, connect("e", 5, clean=False, connect_props=u32(SESSION_EXPIRY, 10)),
                                         disconnect5(0, u32(SESSION_EXPIRY, 0))),
                                 each(A, connect("z", 5), disconnect5(0, u32(SESSION_EXPIRY, 5)))),
    # $push requests from a backend to devices (ACL and password file on).
    "push_uids": seed(SECURE,
                      each(B, connect("dev", user="alice", password="pw"),
                           subscribe(1, [("push/alice/#", 1), ("#", 0)])),
                      each(A, connect("be", 5, user="backend", password="pw"),
                           subscribe(1, [("r/#", 1)], v5=True),
                           publish("$push/uids", push({"uids": ["alice", "bob"], "topic": "push/alice/n",
                                                               "payload": "hello", "qos": 1}), 1, 1, v5=True,
                                   publish_props=utf8(RESPONSE_TOPIC, "r/1") + bytes([CORRELATION]) + s("c"))),
                      each(B, ack(PUBACK, 1)), each(A, ack(PUBACK, 1))),
    "push_broadcast_kick": seed(SECURE,
                                each(B, connect("dev", user="bob", password="pw"),
                                     subscribe(1, [("broadcast/#", 0)])),
                                each(A, connect("be", user="admin", password="pw"),
                                     publish("$push/broadcast", push({
                                         "topic": "broadcast/all", "payload": "aGk=", "encoding": "base64",
                                         "bound_only": True, "reply_to": "r/2"})),
                                     publish("$push/kick", push({"uids": ["bob"]})),
                                     publish("$push/unknown", b"{}"))),
    "push_open_broker": seed(UID_CLIENT_ID,
                             each(B, connect("device-7"), subscribe(1, [("d/#", 0)])),
                             each(A, connect("app"), publish("$push/uids", push({
                                 "uids": ["device-7"], "topic": "d/7", "payload": "x"})),
                                  publish("$push/uids", b"{not json"), publish("$gate/lookup", b'{"uid":"u"}'))),
    # The ACL and the password file saying no.
    "acl_denials_v5": seed(SECURE, each(A, connect("c", 5, user="alice", password="pw"),
                                        subscribe(1, [("push/alice/#", 1), ("#", 0), ("$SYS/#", 0)], v5=True),
                                        publish("up/alice/t", "ok", 1, 1, v5=True),
                                        publish("x/y", "no", 1, 2, v5=True),
                                        publish("$push/uids", b"{}", 2, 3, v5=True))),
    "acl_anonymous_v311": seed(ACL, each(A, connect("anon"), subscribe(1, [("a/#", 0), ("x/b", 0), ("z", 0)]),
                                         publish("r/q", "x", 1, 1), publish("q", "x", 1, 2),
                                         publish("$push/uids", b"{}"))),
    "login_failures": seed(PASSWD | NO_ANON,
                           rec(A, connect("x", user="alice", password="wrong")),
                           rec(A, connect("x", user="mallory", password="pw")),
                           rec(A, connect("x", 5)),
                           rec(A, connect("x", user="alice", password="wrong")),
                           rec(B, connect("y", 5, user="alice", password="pw"))),
    # The buffer scheduler and its bounded queue.
    "buffer_scheduler": seed(BUFFER, each(B, connect("b"), subscribe(1, [("a/#", 0)])),
                             each(A, connect("a"), *[publish("a/" + str(i), "x") for i in range(4)])),
    # A client that stops reading: its socket fills, then its write queue.
    "slow_reader": seed(0, each(B, connect("slow"), subscribe(1, [("a/#", 0)])),
                        rec(B | NO_READ, PINGREQ),
                        rec(A, connect("fast")),
                        *[rec(A, publish("a/b", "z" * 230)) for _ in range(24)],
                        rec(B, PINGREQ)),
    # Two records in one read, and a client that half-closes its socket.
    "held_and_half_closed": seed(0, rec(A | HOLD, connect("h")), rec(A | HOLD, subscribe(1, [("a", 0)])),
                                 rec(A | CLOSE | HALF, publish("a", "x")), rec(A, connect("h2"))),
    # Limits: sessions, subscriptions, QoS 2 receive maximum.
    "limits": seed(0, rec(A, connect("s1", clean=False)), rec(A | CLOSE, b""),
                   rec(A, connect("s2", clean=False)), rec(A | CLOSE, b""),
                   each(B, connect("s3"), subscribe(1, [("a", 0), ("b", 0), ("c", 0), ("d", 0)]),
                        subscribe(2, [("e", 0)]), publish("q", "1", 2, 1), publish("q", "2", 2, 2),
                        publish("q", "3", 2, 3)),
                   rec(A, connect("s4"))),
    # Protocol errors after a good start.
    "errors_after_connect": seed(0, each(A, connect("e"), connect("again")),
                                 each(B, connect("f", 5), frame(0xF0, b""), DISCONNECT)),
}


def main():
    out = pathlib.Path(__file__).resolve().parent / "corpus" / "session"
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.bin"):
        if not old.name.startswith("regression_"):
            old.unlink()
    for name, data in SEEDS.items():
        (out / f"{name}.bin").write_bytes(data)
    print(f"wrote {len(SEEDS)} seeds to {out}")


if __name__ == "__main__":
    main()
