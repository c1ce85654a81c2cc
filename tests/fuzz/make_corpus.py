#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_decoder into corpus/.

Each file is one control byte (see fuzz_decoder.cpp) followed by valid MQTT
packets: streams meant for the server role start with CONNECT; the others
are server-to-client streams for the client-role decoders. The packets are
the literals of tests/protocol. Re-run after changing them:
    python3 tests/fuzz/make_corpus.py
"""
import pathlib


def s(text):
    b = text.encode() if isinstance(text, str) else bytes(text)
    return len(b).to_bytes(2, "big") + b


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def frame(first, body):
    return bytes([first]) + varint(len(body)) + body


def props(p):
    return varint(len(p)) + p


UP = b"\x26" + s("k") + s("v")  # user property k=v

# CONNECTs
CONNECT_31 = frame(0x10, s("MQIsdp") + bytes([3, 0xC2, 0, 60]) + s("cid") + s("user") + s("pw"))
CONNECT_311 = frame(0x10, s("MQTT") + bytes([4, 0x2E, 0, 10]) + s("c1") + s("w/t") + s("bye"))
CONNECT_311_MIN = frame(0x10, s("MQTT") + bytes([4, 0x00, 0, 0]) + s(""))
CONNECT_5 = frame(0x10, s("MQTT") + bytes([5, 0xF6, 0, 30])
                  + props(b"\x11\x00\x00\x00\x78" + b"\x15" + s("SCRM") + b"\x16" + s(b"\x01\x02")
                          + b"\x17\x00\x19\x01\x21\x00\x0a\x22\x00\x05" + UP
                          + b"\x27\x00\x00\x10\x00")
                  + s("cli")
                  + props(b"\x01\x01\x02\x00\x00\x00\x3c\x03" + s("text") + b"\x08" + s("r/t")
                          + b"\x09" + s(b"\xab\xcd") + b"\x18\x00\x00\x00\x05" + UP)
                  + s("w/t") + s(b"\x00\xff") + s("user") + s(b"\x00\x01\x02"))
CONNECT_5_MIN = frame(0x10, s("MQTT") + bytes([5, 0x02, 0, 0]) + props(b"") + s(""))

# Client to server, 3.x
PUBLISH_0 = frame(0x30, s("a/b") + b"hi")
PUBLISH_1 = frame(0x33, s("a/b") + b"\x00\x0a" + b"x")
PUBLISH_2 = frame(0x3C, s("t") + b"\x12\x34")
ACKS_3 = bytes.fromhex("40020001 50020002 62020003 70020004")
SUBSCRIBE_3 = frame(0x82, b"\x00\x02" + s("a/+") + b"\x00" + s("#") + b"\x02" + s("$share/g/x") + b"\x01")
UNSUBSCRIBE_3 = frame(0xA2, b"\x00\x02" + s("a/+") + s("#"))
PING_DISC = bytes.fromhex("c000 e000")

# Client to server, 5.0
PUBLISH_5 = frame(0x32, s("a/b") + b"\x00\x01"
                  + props(b"\x01\x01\x02\x00\x00\x0e\x10\x03" + s("text/plain") + b"\x08" + s("r/1")
                          + b"\x09" + s(b"\x01\x02\x03") + b"\x23\x00\x07" + UP) + b"hello")
PUBLISH_5_ALIAS = frame(0x30, s("") + props(b"\x23\x00\x07") + b"p")
ACKS_5 = (bytes.fromhex("40020005 5003000610 6203000792")
          + frame(0x70, b"\x00\x08\x92" + props(b"\x1f" + s("bad") + UP)))
SUBSCRIBE_5 = frame(0x82, b"\x00\x03" + props(b"\x0b\x7f" + UP) + s("a/b") + b"\x2d" + s("c") + b"\x10")
UNSUBSCRIBE_5 = frame(0xA2, b"\x00\x03" + props(UP) + s("a/b"))
DISCONNECT_5 = frame(0xE0, b"\x04")
AUTH_5 = frame(0xF0, b"\x18" + props(b"\x15" + s("SCRM") + b"\x16" + s(b"\x01\x02\x03") + b"\x1f" + s("r") + UP))

# Server to client
CONNACK_311 = bytes.fromhex("20020100")
CONNACK_31 = bytes.fromhex("20020002")
CONNACK_5 = frame(0x20, b"\x01\x00" + props(
    b"\x11\x00\x00\x00\x78\x12" + s("abc") + b"\x13\x00\x3c\x15" + s("SCRM") + b"\x16" + s(b"\x09")
    + b"\x1a" + s("ri") + b"\x1c" + s("sr") + b"\x1f" + s("ok") + b"\x21\x00\x14\x22\x00\x0a"
    + b"\x24\x01\x25\x00" + UP + b"\x27\x00\x01\x00\x00\x28\x01\x29\x01\x2a\x00"))
SUBACK_3 = bytes.fromhex("9006000200010280")
UNSUBACK_3 = bytes.fromhex("b0020002")
SUBACK_5 = frame(0x90, b"\x00\x03" + props(b"\x1f" + s("no") + UP) + b"\x01\x00\x97\xa2")
UNSUBACK_5 = frame(0xB0, b"\x00\x03" + props(b"\x1f" + s("ok")) + b"\x00\x11")
PUBLISH_5_SUBIDS = frame(0x32, s("a/b") + b"\x00\x01" + props(b"\x0b\x05\x0b\xc8\x01") + b"x")
DISCONNECT_5_FULL = frame(0xE0, b"\x8b" + props(b"\x11\x00\x00\x00\x00\x1c" + s("s2") + b"\x1f" + s("bye") + UP))
PINGRESP = bytes.fromhex("d000")

WHOLE, SMALL, TINY = 0x00, 0x07, 0x01  # chunking: whole, up to 7 bytes, byte by byte
V311, V31 = 0x80, 0xC0  # also decode with a 3.1.1 / 3.1 client decoder

SEEDS = {
    "server_v31_session": (WHOLE, CONNECT_31 + PUBLISH_0 + ACKS_3 + SUBSCRIBE_3 + PING_DISC),
    "server_v31_bytewise": (TINY, CONNECT_31 + UNSUBSCRIBE_3),
    "server_v311_session": (WHOLE, CONNECT_311 + PUBLISH_1 + PUBLISH_2 + ACKS_3 + PING_DISC),
    "server_v311_subscribe": (SMALL, CONNECT_311_MIN + SUBSCRIBE_3 + UNSUBSCRIBE_3),
    "server_v311_connect": (WHOLE, CONNECT_311),
    "server_v5_connect": (WHOLE, CONNECT_5),
    "server_v5_connect_chunked": (SMALL, CONNECT_5),
    "server_v5_publish": (WHOLE, CONNECT_5_MIN + PUBLISH_5 + PUBLISH_5_ALIAS),
    "server_v5_acks": (SMALL, CONNECT_5_MIN + ACKS_5),
    "server_v5_subscribe": (WHOLE, CONNECT_5_MIN + SUBSCRIBE_5 + UNSUBSCRIBE_5),
    "server_v5_auth_disconnect": (WHOLE, CONNECT_5_MIN + AUTH_5 + bytes.fromhex("c000") + DISCONNECT_5),
    "client_v5_connack": (WHOLE, CONNACK_5),
    "client_v5_connack_bytewise": (TINY, CONNACK_5),
    "client_v5_suback": (WHOLE, SUBACK_5 + UNSUBACK_5),
    "client_v5_publish": (SMALL, PUBLISH_5_SUBIDS + PUBLISH_5 + PUBLISH_5_ALIAS),
    "client_v5_acks": (WHOLE, ACKS_5 + PINGRESP),
    "client_v5_disconnect": (WHOLE, DISCONNECT_5_FULL),
    "client_v5_auth": (WHOLE, AUTH_5 + frame(0xF0, b"")),
    "client_v311_connack": (V311 | WHOLE, CONNACK_311 + SUBACK_3 + UNSUBACK_3 + PINGRESP),
    "client_v311_publish": (V311 | SMALL, PUBLISH_1 + PUBLISH_2 + ACKS_3),
    "client_v31_connack": (V31 | WHOLE, CONNACK_31 + SUBACK_3 + UNSUBACK_3),
    "client_v31_publish": (V31 | TINY, PUBLISH_0 + ACKS_3 + PINGRESP),
}


def main():
    out = pathlib.Path(__file__).resolve().parent / "corpus"
    out.mkdir(exist_ok=True)
    for old in out.glob("*.bin"):
        old.unlink()
    for name, (control, stream) in SEEDS.items():
        (out / f"{name}.bin").write_bytes(bytes([control]) + stream)
    print(f"wrote {len(SEEDS)} seeds to {out}")


if __name__ == "__main__":
    main()
