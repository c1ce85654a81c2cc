// Functions shared by the two halves of the client I/O: traffic_client.cpp
// (connects, writes, publishing) and traffic_receive.cpp (reads, deliveries,
// the closed loop). All run on the thread owning the client, except
// advance(), which any thread may call.
#pragma once

#include <cstdint>
#include <string>

#include "traffic_engine.hpp"

namespace pummelo::bench::traffic {

/// Writes c.out without blocking; true once it is all written. Otherwise a
/// write wait is armed, or the client is dead (closed() was called).
bool flush(thread_ctx& t, client& c);
/// Ends the client: a handshake failure, or a disconnect of a ready client.
void closed(thread_ctx& t, client& c, const std::string& why);
/// closed() for a protocol violation; returns false for the parse loop.
bool protocol_error(thread_ctx& t, client& c, const std::string& why);
void handshake_done(thread_ctx& t, client& c);
/// Publishes what the window, the PUBACKs, the pace and the write allow.
void pump(thread_ctx& t, client& c);
/// Marks a publisher finished (once).
void finish(thread_ctx& t, client& c);
void arm_read(thread_ctx& t, client& c);
/// Moves pt's frontier over the sequences every live subscriber resolved and
/// wakes the publisher when it waits for that.
void advance(pub_track& pt);
/// A ready subscriber died: the group's windows stop waiting for it.
void subscriber_died(client& c);

}  // namespace pummelo::bench::traffic
