// Works around a latency of the Paho C async library (1.3.x): all clients of
// a process share one receive thread that poll()s the already-connected
// sockets with a 1 s timeout, so a new connection made while another one is
// idle is only noticed when that poll times out (~2 s per connect).
// Likewise its send thread, once a client's in-flight window is full, only
// looks again after a 1 s wait (acknowledgements do not wake it), which
// turns a burst of publishes into seconds of stalls. The waker owns one
// extra Paho connection to a tiny in-process fake server; poke() makes that
// server send a PINGRESP (which returns the poll at once) and queues a QoS 0
// publish on the waker's connection (which wakes the send thread). The
// broker under test never sees any of this traffic.
#pragma once

namespace pummelo::test {

// Starts the fake server and its Paho client on first use (call it before
// any other Paho connection exists, so that its own connect is fast).
void paho_waker_start();
// Wakes Paho's receive and send threads (no-op if the waker is not running).
void paho_waker_poke();

}  // namespace pummelo::test
